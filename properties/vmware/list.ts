/**
 * The VMware family's properties, one list: the shared invariants that hold for VMware as they
 * are written (on the world's types, with VMware's answers in family.ts), then VMware's own rules
 * where they add something.
 */
import type { AnyProperty } from '../property.ts';
import { noDoubleMapping } from '../safety/no-double-mapping.ts';
import { framesConserved } from '../safety/frames-conserved.ts';
import { balloonPagesUntouched } from '../safety/balloon-pages-untouched.ts';
import { dataOracle } from '../safety/data-oracle.ts';
import { hostDropsOnlyBallooned } from '../safety/host-drops-only-ballooned.ts';
import { countersMatch } from '../safety/counters-match.ts';
import { isolation } from '../safety/isolation.ts';
import { floorsAndTargets } from '../safety/floors-and-targets.ts';
import { progress } from '../liveness/progress.ts';
import { vmwSizeIsLocked } from './safety/size-is-locked.ts';
import { vmwRequestsWellFormed } from './safety/requests.ts';
import { vmwBadRequestsChangeNothing } from './safety/bad-requests.ts';
import { vmwResetForgets } from './safety/reset.ts';
import { vmwDoorbellAgrees } from './safety/doorbell.ts';
import { vmwRefusalsClamped } from './safety/refusals.ts';
import { vmwConvergence } from './liveness/convergence.ts';
import { vmwCommandContract } from './safety/command-contract.ts';

/**
 * The shared invariants VMware runs. Each holds with VMware's target and actual read as the
 * balloon's target and size (as virtio's), and with the world answers of family.ts.
 */
export const VMW_SHARED_INVARIANTS: readonly AnyProperty[] = [
  noDoubleMapping, framesConserved, balloonPagesUntouched, dataOracle, hostDropsOnlyBallooned, countersMatch, isolation,
  floorsAndTargets, progress,
];

/** VMware's own rules, in the family sheet's words. */
export const VMW_OWN_PROPERTIES: readonly AnyProperty[] = [
  vmwSizeIsLocked, vmwRequestsWellFormed, vmwBadRequestsChangeNothing, vmwResetForgets, vmwDoorbellAgrees, vmwRefusalsClamped,
  vmwConvergence, vmwCommandContract,
];
