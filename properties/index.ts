/**
 * The property list, as named data: the random campaign (campaign.ts, what `balloon check` runs
 * on the reference implementation or a user's adapter) and the replay of saved traces
 * (traces/replay.ts) run these, in this order, which is the order of the report. The exhaustive explorer (explore.ts) walks the chart alone and judges no
 * property; the QEMU campaign has its own list for what a real VM shows (qemu/properties.ts).
 */
import type { AnyProperty as Property } from './property.ts';
import { allProperties } from './virtio/properties.ts';

export type { Property, PropertyMonitor, Violation, StepContext, EndContext, PropertyKind } from './property.ts';
export { runCase, NO_CRASH, type CaseResult, type Failure, type RunOptions, type StepRecord } from './runner.ts';
export {
  safetyProperties, livenessProperties, invariantProperties, contractProperties, allProperties, conformance,
} from './virtio/properties.ts';
export { FAMILIES, familyByName, familyOf } from './families.ts';
export type { Family, AnyFamily, FamilyCase, FamilyFault, FamilyRunner } from './family.ts';

/** Look properties up by name; unknown names throw with the list of known ones. */
export function propertiesByName(names: readonly string[], from: readonly Property[] = allProperties): Property[] {
  // Each property once, in the order first named: `--property X --property X` checks X once.
  return [...new Set(names)].map((n) => {
    const p = from.find((x) => x.name === n);
    if (!p) throw new RangeError(`unknown property ${JSON.stringify(n)}; known: ${from.map((x) => x.name).join(', ')}`);
    return p;
  });
}
