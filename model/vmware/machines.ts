/**
 * The VMware charts. `vmware-driver` is vmw_balloon's life: starting over (reset_required: drop
 * the balloon, START, doorbell, GUEST_ID) and running with 4 KiB or 2 MiB pages, its size moved
 * only by the host's answers. `vmware-host` is the host side: no session yet, a session with the
 * capabilities it granted and the pages it holds locked, and a forgotten balloon (RESET).
 */
import { assign, setup } from 'xstate';
import type { VmwGuestConfig, VmwSystemConfig } from '../../core/vmware/index.ts';
import type { VmwEvent } from './events.ts';
import { allHold, DRIVER_RULES, HOST_RULES, type VmwDriverContext, type VmwHostContext } from './rules.ts';

export interface VmwChartInput { system: VmwSystemConfig; guest: VmwGuestConfig }

type Ev<T extends VmwEvent['type']> = Extract<VmwEvent, { type: T }>;
type DArgs = { context: VmwDriverContext; event: VmwEvent };
type HArgs = { context: VmwHostContext; event: VmwEvent };
const drule = (name: keyof typeof DRIVER_RULES) => ({ context, event }: DArgs) => allHold(DRIVER_RULES[name], context, event);
const hrule = (name: keyof typeof HOST_RULES) => ({ context, event }: HArgs) => allHold(HOST_RULES[name], context, event);
const signed = (e: Ev<'PAGES'>) => (e.lock ? 1 : -1) * e.done * e.pageGpfns;

export const vmwDriverMachine = setup({
  types: { context: {} as VmwDriverContext, events: {} as VmwEvent, input: {} as VmwChartInput },
  guards: {
    startedLarge: drule('startedLarge'),
    startedSmall: drule('startedSmall'),
    startFailed: drule('startFailed'),
    doorbellDropped: drule('doorbellDropped'),
    pagesWellFormed: drule('pagesWellFormed'),
    sizeAccounted: drule('sizeAccounted'),
    roundClean: drule('roundClean'),
  },
  actions: {
    pop: assign({ accounted: 0 }),
    granted: assign(({ event }) => {
      const c = (event as Ev<'START'>).caps;
      return { batched: !!c?.batched, large: !!c?.batched && !!c?.large };
    }),
    doorbell: assign(({ event }) => ({ doorbell: (event as Ev<'DOORBELL'>).set && (event as Ev<'DOORBELL'>).ok })),
    dropDoorbell: assign({ doorbell: false }),
    account: assign(({ context, event }) => ({ accounted: context.accounted + signed(event as Ev<'PAGES'>) })),
    size: assign(({ event }) => ({ size: (event as Ev<'SIZE'>).size })),
  },
}).createMachine({
  id: 'vmware-driver',
  context: ({ input }) => ({ size: 0, accounted: 0, doorbell: false, batched: false, large: false, batchPages: input.system.batchPages, maxRefused: input.system.maxRefused }),
  initial: 'resetting',
  on: {
    SIZE: { guard: 'sizeAccounted', actions: 'size' },
    WORK: { guard: 'roundClean' },
  },
  states: {
    resetting: {
      on: {
        POP: { actions: 'pop' },
        // The doorbell's unset (vmballoon_vmci_cleanup) drops it whatever the answer; compaction may be answered RESET too.
        REPLY_RESET: [{ guard: 'doorbellDropped', actions: 'dropDoorbell' }, {}],
        START: [
          { guard: 'startedLarge', target: 'running.large', actions: 'granted' },
          { guard: 'startedSmall', target: 'running.small', actions: 'granted' },
          { guard: 'startFailed' },
        ],
      },
    },
    running: {
      on: {
        REPLY_RESET: { target: 'resetting' },
        PAGES: { guard: 'pagesWellFormed', actions: 'account' },
        DOORBELL: { actions: 'doorbell' },
      },
      initial: 'small',
      states: { small: {}, large: {} },
    },
  },
});

export const vmwHostMachine = setup({
  types: { context: {} as VmwHostContext, events: {} as VmwEvent, input: {} as VmwChartInput },
  guards: {
    hostileRefused: hrule('hostileRefused'),
    driverPages: hrule('driverPages'),
    nothingDone: hrule('nothingDone'),
    startGranted: hrule('startGranted'),
  },
  actions: {
    open: assign({ locked: 0, doorbell: false }),
    forget: assign({ locked: 0, doorbell: false }),
    account: assign(({ context, event }) => ({ locked: context.locked + signed(event as Ev<'PAGES'>) })),
    doorbell: assign(({ context, event }) => ({ doorbell: (event as Ev<'DOORBELL'>).ok ? (event as Ev<'DOORBELL'>).set : context.doorbell })),
  },
}).createMachine({
  id: 'vmware-host',
  context: { locked: 0, doorbell: false },
  initial: 'unstarted',
  states: {
    unstarted: {
      on: {
        START: { guard: 'startGranted', target: 'session', actions: 'open' },
        // No session yet: whatever comes before a granted START is answered RESET and changes
        // nothing. Linux sends two such: the doorbell's unset that opens every vmballoon_reset
        // (vmballoon_vmci_cleanup) and GET_TARGET after a failed vmballoon_send_start.
        REPLY_RESET: {},
        FORGET: { target: 'forgot', actions: 'forget' },
        PAGES: { guard: 'nothingDone' },
      },
    },
    session: {
      on: {
        FORGET: { target: 'forgot', actions: 'forget' },
        PAGES: [{ guard: 'hostileRefused' }, { guard: 'driverPages', actions: 'account' }],
        DOORBELL: { actions: 'doorbell' },
      },
    },
    forgot: {
      on: {
        START: { guard: 'startGranted', target: 'session', actions: 'open' },
        FORGET: { actions: 'forget' },
        REPLY_RESET: {},
        PAGES: { guard: 'nothingDone' },
      },
    },
  },
});

export type VmwDriverMachine = typeof vmwDriverMachine;
export type VmwHostMachine = typeof vmwHostMachine;
