/**
 * The property list, as named data: the random campaign (campaign.ts, what `balloon check` runs
 * on the reference implementation or a user's adapter) and the replay of saved traces
 * (traces/replay.ts) run these, in this order, which is the order of the report. The exhaustive explorer (explore.ts) walks the chart alone and judges no
 * property; the QEMU campaign has its own list for what a real VM shows (qemu/properties.ts).
 */
import type { Property } from './property.ts';
import { noDoubleMapping } from './safety/no-double-mapping.ts';
import { framesConserved } from './safety/frames-conserved.ts';
import { balloonPagesUntouched } from './safety/balloon-pages-untouched.ts';
import { dataOracle } from './safety/data-oracle.ts';
import { hostDropsOnlyBallooned } from './safety/host-drops-only-ballooned.ts';
import { requestsWellFormed } from './safety/requests-well-formed.ts';
import { countersMatch } from './safety/counters-match.ts';
import { badRequestsChangeNothing } from './safety/bad-requests-change-nothing.ts';
import { deflateOnlyWhenAsked } from './safety/deflate-only-when-asked.ts';
import { isolation } from './safety/isolation.ts';
import { floorsAndTargets } from './safety/floors-and-targets.ts';
import { convergence } from './liveness/convergence.ts';
import { progress } from './liveness/progress.ts';
import { reconvergence } from './liveness/reconvergence.ts';
import { conformance } from './conformance.ts';
import { commandContract } from './safety/command-contract.ts';
import { effectsAgree } from './safety/effects-agree.ts';
import { purpose } from './liveness/purpose.ts';

export type { Property, PropertyMonitor, Violation, StepContext, EndContext, PropertyKind } from './property.ts';
export { runCase, NO_CRASH, type CaseResult, type Failure, type RunOptions, type StepRecord } from './runner.ts';

export const safetyProperties: readonly Property[] = [
  noDoubleMapping, framesConserved, balloonPagesUntouched, dataOracle, hostDropsOnlyBallooned,
  requestsWellFormed, countersMatch, badRequestsChangeNothing, deflateOnlyWhenAsked, isolation, floorsAndTargets,
];
export const livenessProperties: readonly Property[] = [convergence, progress, reconvergence];

/** The invariants of docs/INVARIANTS.md: safety and liveness, judged on observations and effects alone. */
export const invariantProperties: readonly Property[] = [...safetyProperties, ...livenessProperties];

/**
 * The properties that tie the verdict to the commands given, not only to what the system reports
 * about itself (issue 14): each command's contract, effects checked in full, and the purpose of
 * ballooning judged against the host's own targets. Listed after conformance, so that when an
 * older property fails on the same step it keeps naming the failure.
 */
export const contractProperties: readonly Property[] = [commandContract, effectsAgree, purpose];

/**
 * Every property `balloon check` runs by default: the invariants, conformance to the statechart
 * (model/), which steps the model in lockstep with the implementation, and the contracts.
 */
export const allProperties: readonly Property[] = [...invariantProperties, conformance, ...contractProperties];
export { conformance };

/** Look properties up by name; unknown names throw with the list of known ones. */
export function propertiesByName(names: readonly string[], from: readonly Property[] = allProperties): Property[] {
  // Each property once, in the order first named: `--property X --property X` checks X once.
  return [...new Set(names)].map((n) => {
    const p = from.find((x) => x.name === n);
    if (!p) throw new RangeError(`unknown property ${JSON.stringify(n)}; known: ${from.map((x) => x.name).join(', ')}`);
    return p;
  });
}
