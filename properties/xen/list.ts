/**
 * The Xen family's properties, one list: the world invariants stated on the Xen observation (until
 * the family seam lets the shared ones read it), Xen's own rules where they add something, and
 * lockstep conformance to the charts (model/xen).
 */
import type { XenProperty } from './property.ts';
import { xenBadRequestsChangeNothing } from './safety/bad-requests.ts';
import { xenCountersMatch } from './safety/counters.ts';
import { xenFloors } from './safety/floors.ts';
import { xenFrames } from './safety/frames.ts';
import { xenPvP2mAgrees } from './safety/pv-p2m.ts';
import { xenRequestsWellFormed } from './safety/requests.ts';
import { xenBalloonPagesUntouched } from './safety/untouched.ts';
import { xenBacksOff } from './liveness/backs-off.ts';
import { xenProgress } from './liveness/progress.ts';
import { xenConformance } from './conformance.ts';
import { xenCommandContract } from './safety/command-contract.ts';

export const XEN_PROPERTIES: readonly XenProperty[] = [
  xenFrames, xenCountersMatch, xenBalloonPagesUntouched, xenFloors, xenBadRequestsChangeNothing,
  xenPvP2mAgrees, xenRequestsWellFormed, xenBacksOff, xenProgress, xenCommandContract,
];
export const XEN_CONFORMANCE: XenProperty = xenConformance;
