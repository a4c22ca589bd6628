/**
 * The property list: every checker (random campaign, replay, exhaustive exploration, a real VM
 * where it applies) runs these. Order is the order of the report.
 */
import type { Property } from './property.ts';
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
