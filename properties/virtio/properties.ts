/**
 * virtio-balloon's property list: every checker (random campaign, replay, exhaustive
 * exploration, a real QEMU guest where it applies) runs these. Order is the order of the report.
 */
import type { AnyProperty as Property } from '../property.ts';
import { noDoubleMapping } from '../safety/no-double-mapping.ts';
import { framesConserved } from '../safety/frames-conserved.ts';
import { balloonPagesUntouched } from '../safety/balloon-pages-untouched.ts';
import { dataOracle } from '../safety/data-oracle.ts';
import { hostDropsOnlyBallooned } from '../safety/host-drops-only-ballooned.ts';
import { requestsWellFormed } from '../safety/requests-well-formed.ts';
import { countersMatch } from '../safety/counters-match.ts';
import { badRequestsChangeNothing } from '../safety/bad-requests-change-nothing.ts';
import { deflateOnlyWhenAsked } from '../safety/deflate-only-when-asked.ts';
import { isolation } from '../safety/isolation.ts';
import { floorsAndTargets } from '../safety/floors-and-targets.ts';
import { convergence } from '../liveness/convergence.ts';
import { progress } from '../liveness/progress.ts';
import { reconvergence } from '../liveness/reconvergence.ts';
import { conformanceProperty } from '../conformance.ts';
import { commandContract } from '../safety/command-contract.ts';
import { effectsAgree } from '../safety/effects-agree.ts';
import { purpose } from '../liveness/purpose.ts';
import { reportedPagesKept } from './reported-pages-kept.ts';
import { reportBlocks } from './report-blocks.ts';
import { statsPosted } from './stats-posted.ts';
import { statsEntries } from './stats-entries.ts';
import { statsRecorded } from './stats-recorded.ts';
import { virtioHintProperties, withHintingConformance } from './hinting/family.ts';
import { hintFollowsHost } from './hinting/follows-host.ts';

/** Conformance to the guest chart and, with FREE_PAGE_HINT, to the hinting chart (./hinting/family.ts). */
export const virtioConformanceProperty = withHintingConformance(conformanceProperty);
const conformance = virtioConformanceProperty();

export const safetyProperties: readonly Property[] = [
  noDoubleMapping, framesConserved, balloonPagesUntouched, dataOracle, hostDropsOnlyBallooned,
  requestsWellFormed, countersMatch, badRequestsChangeNothing, deflateOnlyWhenAsked, isolation, floorsAndTargets,
  reportedPagesKept, reportBlocks, statsEntries, statsRecorded,
];
export const livenessProperties: readonly Property[] = [convergence, progress, reconvergence, statsPosted];

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
 * Free page hinting (VIRTIO 1.2 5.5.6.5) on the guests that negotiated FREE_PAGE_HINT: the hinting
 * command contract, the hinting pool's data oracle, what the device may drop
 * (properties/virtio/hinting/) and, at the end, that its command id follows the host's STOP and
 * DONE (hint-follows-host); the hinting chart is stepped by conformance.
 */
export const hintingProperties: readonly Property[] = [...virtioHintProperties, hintFollowsHost];

/**
 * Every property `balloon check --family virtio` runs: the invariants, conformance to the
 * statechart (model/virtio), which steps the model in lockstep with the implementation, and the
 * contracts.
 */
export const allProperties: readonly Property[] = [...invariantProperties, conformance, ...contractProperties, ...hintingProperties];
export { conformance };
