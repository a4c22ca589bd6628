/** The Hyper-V family's own properties, one list, in report order. */
import type { HvProperty } from './property.ts';
import { hvBadRequestsChangeNothing } from './safety/bad-requests.ts';
import { hvCommandContract } from './safety/command-contract.ts';
import { hvCountersMatch } from './safety/counters.ts';
import { hvFloors } from './safety/floors.ts';
import { hvRequestsWellFormed } from './safety/requests.ts';
import { hvStatusCommitted } from './safety/status.ts';
import { hvTransactions } from './safety/transactions.ts';
import { hvBalloonPagesUntouched } from './safety/untouched.ts';
import { hvProgress } from './liveness/progress.ts';

export const HV_PROPERTIES: readonly HvProperty[] = [
  hvCountersMatch, hvBalloonPagesUntouched, hvFloors, hvBadRequestsChangeNothing, hvRequestsWellFormed,
  hvTransactions, hvStatusCommitted, hvProgress, hvCommandContract,
];
