/** The VirtualBox family's statecharts, their events and rules. */
import type { AnyStateMachine } from 'xstate';
import { vboxGuestMachine, vboxHostMachine } from './machines.ts';

export { vboxGuestMachine, vboxHostMachine, type VboxGuestMachine, type VboxHostMachine, type VboxChartInput } from './machines.ts';
export { vboxStepEvents, formatVboxEvent, forVboxGuest, forVboxHost, type VboxEvent, type VboxEventType } from './events.ts';
export { GUEST_RULES, HOST_RULES, allHold, brokenRule, type VboxGuestContext, type VboxHostContext, type Rule } from './rules.ts';

/** The charts of the VirtualBox family, by name: what `balloon chart --family virtualbox` draws and coverage counts. */
export const vboxCharts: Record<string, AnyStateMachine> = {
  'virtualbox-guest': vboxGuestMachine,
  'virtualbox-host': vboxHostMachine,
};
