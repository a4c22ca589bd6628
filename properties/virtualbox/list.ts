/**
 * The VirtualBox family's properties, one list: the shared invariants that hold for VirtualBox as
 * they are written (on the world's types, with VirtualBox's answers in family.ts), then its own
 * rules in the family sheet's words.
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
import { vboxCountersMatch } from './safety/counters.ts';
import { vboxZeroPage } from './safety/zero-page.ts';
import { vboxRequestsWellFormed } from './safety/requests.ts';
import { vboxBadRequestsChangeNothing } from './safety/bad-requests.ts';
import { vboxCommandContract } from './safety/command-contract.ts';
import { vboxConvergence } from './liveness/convergence.ts';

/**
 * The shared invariants VirtualBox runs. Each holds with the target and actual read as the host's
 * wanted size and the driver's counted chunks, in pages; convergence is VirtualBox's own (chunks,
 * and a wanted size above the maximum refused).
 */
export const VBOX_SHARED_INVARIANTS: readonly AnyProperty[] = [
  noDoubleMapping, framesConserved, balloonPagesUntouched, dataOracle, hostDropsOnlyBallooned, countersMatch, isolation,
  floorsAndTargets, progress,
];

/** VirtualBox's own rules. */
export const VBOX_OWN_PROPERTIES: readonly AnyProperty[] = [
  vboxBadRequestsChangeNothing, vboxRequestsWellFormed, vboxCountersMatch, vboxZeroPage, vboxConvergence, vboxCommandContract,
];
