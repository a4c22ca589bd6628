/** The Hyper-V family's statecharts, their events and the abstraction that conformance compares. */
import type { AnyStateMachine } from 'xstate';
import { hvGuestMachine } from './guest-machine.ts';
import { hvHostMachine } from './host-machine.ts';

export { hvGuestMachine, type HvGuestMachine } from './guest-machine.ts';
export { hvHostMachine, type HvHostMachine } from './host-machine.ts';
export { hvStepEvents, formatHvEvent, type HvEvent, type HvEventType } from './events.ts';
export * from './context.ts';
export { GUEST_RULES, HOST_RULES, brokenRule, allHold } from './rules.ts';
export * from './project.ts';

/** The charts of the Hyper-V family, by name: what `balloon chart --family hyperv` draws and coverage counts. */
export const hvCharts: Record<string, AnyStateMachine> = {
  'hyperv-guest': hvGuestMachine,
  'hyperv-host': hvHostMachine,
};
