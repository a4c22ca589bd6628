/**
 * The hypervisor side of one domain (xen/common/memory.c, xen/arch/x86/mm/p2m-pod.c) as a
 * statechart, two regions: `ops` judges every memory op (a hostile one does nothing and is
 * refused; the driver's is of order 0, within the maximum, and a decrease is done whole), `pod`
 * follows populate-on-demand: off, entries outstanding above the cache, covered by it.
 */
import { assign, setup } from 'xstate';
import { initialHypervisorContext, type XenHypervisorContext, type XenThreadInput } from './context.ts';
import type { XenEvent } from './events.ts';
import { allHold, HYPERVISOR_RULES, type HypervisorRuleName } from './rules.ts';

type Args = { context: XenHypervisorContext; event: XenEvent };
type PodEv = Extract<XenEvent, { type: 'POD' }>;
const rule = (name: HypervisorRuleName) => ({ context, event }: Args) => allHold(HYPERVISOR_RULES[name], context, event);

export const xenHypervisorMachine = setup({
  types: { context: {} as XenHypervisorContext, events: {} as XenEvent, input: {} as XenThreadInput },
  guards: {
    hostileRefused: rule('hostileRefused'),
    driverOpWellFormed: rule('driverOpWellFormed'),
    podBalanced: rule('podBalanced'),
    podOutstanding: rule('podOutstanding'),
    /** Bookkeeping: the domain was built with PoD. */
    podDomain: ({ context }: Args) => context.pod,
  },
  actions: {
    pod: assign(({ event }) => ({ podEntries: (event as PodEv).entries, podCache: (event as PodEv).cache })),
    rebuild: assign(({ context }) => ({ podEntries: context.startEntries, podCache: context.startCache })),
  },
}).createMachine({
  id: 'xen-hypervisor',
  type: 'parallel',
  context: ({ input }) => initialHypervisorContext(input),
  states: {
    ops: {
      initial: 'serving',
      states: {
        serving: {
          on: {
            HYPERCALL: [
              { guard: 'hostileRefused' },
              { guard: 'driverOpWellFormed' },
            ],
          },
        },
      },
    },
    pod: {
      initial: 'building',
      on: { RESET: { target: '.building', actions: 'rebuild' } },
      states: {
        building: { always: [{ guard: 'podDomain', target: 'outstanding' }, { target: 'off' }] },
        off: {},
        outstanding: {
          on: {
            POD: [
              { guard: 'podBalanced', target: 'covered', actions: 'pod' },
              { guard: 'podOutstanding', actions: 'pod' },
            ],
          },
        },
        covered: { on: { POD: { guard: 'podBalanced', actions: 'pod' } } },
      },
    },
  },
});

export type XenHypervisorMachine = typeof xenHypervisorMachine;
