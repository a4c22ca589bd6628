/** The VMware family's statecharts, their events and rules. */
import type { AnyStateMachine } from 'xstate';
import { vmwDriverMachine, vmwHostMachine } from './machines.ts';

export { vmwDriverMachine, vmwHostMachine, type VmwDriverMachine, type VmwHostMachine, type VmwChartInput } from './machines.ts';
export { vmwStepEvents, formatVmwEvent, type VmwEvent, type VmwEventType } from './events.ts';
export { DRIVER_RULES, HOST_RULES, allHold, brokenRule, type VmwDriverContext, type VmwHostContext, type Rule } from './rules.ts';

/** The charts of the VMware family, by name: what `balloon chart --family vmware` draws and coverage counts. */
export const vmwCharts: Record<string, AnyStateMachine> = {
  'vmware-driver': vmwDriverMachine,
  'vmware-host': vmwHostMachine,
};
