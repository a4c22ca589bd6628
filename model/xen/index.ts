/** The Xen family's statecharts, their events and the abstraction that conformance compares. */
import type { AnyStateMachine } from 'xstate';
import { xenHypervisorMachine } from './hypervisor-machine.ts';
import { xenThreadMachine } from './thread-machine.ts';

export { xenThreadMachine, type XenThreadMachine } from './thread-machine.ts';
export { xenHypervisorMachine, type XenHypervisorMachine } from './hypervisor-machine.ts';
export { xenStepEvents, formatXenEvent, type XenEvent, type XenEventType } from './events.ts';
export * from './context.ts';
export { THREAD_RULES, HYPERVISOR_RULES, passOutcome, brokenRule, allHold } from './rules.ts';
export * from './project.ts';

/** The charts of the Xen family, by name: what `balloon chart --family xen` draws and coverage counts. */
export const xenCharts: Record<string, AnyStateMachine> = {
  'xen-thread': xenThreadMachine,
  'xen-hypervisor': xenHypervisorMachine,
};
