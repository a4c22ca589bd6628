/**
 * The model: statecharts of each protocol family, built with XState v5 (`setup()` plus named
 * guards and actions). Imports only core/ types and xstate; never impl/.
 */
import type { AnyStateMachine } from 'xstate';
import { guestMachine } from './virtio/guest-machine.ts';
import { xenCharts } from './xen/index.ts';

export * as virtio from './virtio/index.ts';
export * as xen from './xen/index.ts';
export { formatStateValue } from './state-name.ts';

/** The charts of each family, by name: what `balloon chart` draws and coverage counts. */
export const CHARTS: Record<string, Record<string, AnyStateMachine>> = {
  virtio: { 'virtio-guest': guestMachine },
  xen: xenCharts,
};
