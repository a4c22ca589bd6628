/**
 * The one list of protocol families. Everything that depends on the family (the runner's drain,
 * the workload, `balloon list`, `--family`, traces, coverage, charts) looks the family up here by
 * name and reads its value (properties/family.ts); nothing else lists families.
 */
import type { AnyFamily } from './family.ts';
import { virtio } from './virtio/family.ts';
import { xen } from './xen/family.ts';
import { vmware } from './vmware/family.ts';
import { hyperv } from './hyperv/family.ts';
import { virtualbox } from './virtualbox/family.ts';

export const FAMILIES: readonly AnyFamily[] = [virtio, xen, vmware, hyperv, virtualbox];

/** The family named `name`, or a RangeError listing the known ones. */
export function familyByName(name: string): AnyFamily {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new RangeError(`unknown family ${JSON.stringify(name)} (known: ${FAMILIES.map((x) => x.name).join(', ')})`);
  return f;
}

/** The family a configuration belongs to (its `family` field). */
export const familyOf = (config: { family: string }): AnyFamily => familyByName(config.family);
