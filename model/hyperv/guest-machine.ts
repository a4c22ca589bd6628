/**
 * The guest's dynamic-memory driver (Linux drivers/hv/hv_balloon.c) as a statechart: start-up
 * (version negotiation, newest first, then the capabilities report) and, once the protocol is
 * up, idle or inside a multi-part unballoon. Every event is judged by named rules
 * (model/hyperv/rules.ts) on the context: the driver's counters in pages.
 */
import { assign, setup } from 'xstate';
import { initialGuestContext, type HvChartInput, type HvGuestContext } from './context.ts';
import type { HvEvent } from './events.ts';
import { allHold, GUEST_RULES, type GuestRuleName } from './rules.ts';

type Ev<T extends HvEvent['type']> = Extract<HvEvent, { type: T }>;
type Args = { context: HvGuestContext; event: HvEvent };
const rule = (name: GuestRuleName) => ({ context, event }: Args) => allHold(GUEST_RULES[name], context, event);

export const hvGuestMachine = setup({
  types: { context: {} as HvGuestContext, events: {} as HvEvent, input: {} as HvChartInput },
  guards: {
    versionAccepted: rule('versionAccepted'),
    versionRetried: rule('versionRetried'),
    versionExhausted: rule('versionExhausted'),
    capsAccepted: rule('capsAccepted'),
    balloonAsLinux: rule('balloonAsLinux'),
    unballoonPart: rule('unballoonPart'),
    /** Bookkeeping on top of unballoonPart: the part says whether more follow. */
    unballoonMore: ({ context, event }: Args) => allHold(GUEST_RULES.unballoonPart, context, event) && (event as Ev<'G_UNBALLOON'>).more,
    hotAddWithinRange: rule('hotAddWithinRange'),
    offlineFits: rule('offlineFits'),
    statusTruthful: rule('statusTruthful'),
    refusedAlone: rule('refusedAlone'),
    allocFits: rule('allocFits'),
    freeFits: rule('freeFits'),
  },
  actions: {
    nextVersion: assign(({ context: c }) => ({ versionAt: c.versionAt + 1 })),
    balloon: assign(({ context: c, event }) => {
      const e = event as Ev<'G_BALLOON'>;
      return { free: c.free - (e.gpfns - e.returnedGpfns), ballooned: c.ballooned + e.given - e.returnedPages };
    }),
    unballoon: assign(({ context: c, event }) => {
      const e = event as Ev<'G_UNBALLOON'>;
      return { free: c.free + e.gpfns, ballooned: c.ballooned - e.pages, unballoonTrans: e.more ? e.trans : null };
    }),
    hotAdd: assign(({ context: c, event }) => {
      const e = event as Ev<'G_HOT_ADD'>;
      return { free: c.free + e.onlined, onlined: c.onlined + e.onlined, added: e.added };
    }),
    offline: assign(({ context: c, event }) => ({ free: c.free - (event as Ev<'G_OFFLINE'>).gpfns, onlined: c.onlined - (event as Ev<'G_OFFLINE'>).gpfns })),
    alloc: assign(({ context: c, event }) => ({ free: c.free - (event as Ev<'ALLOC'>).gpfns, used: c.used + (event as Ev<'ALLOC'>).gpfns })),
    free: assign(({ context: c, event }) => ({ free: c.free + (event as Ev<'FREE'>).gpfns, used: c.used - (event as Ev<'FREE'>).gpfns })),
  },
}).createMachine({
  id: 'hyperv-guest',
  context: ({ input }) => initialGuestContext(input),
  initial: 'version',
  on: {
    G_REFUSED: { guard: 'refusedAlone' },
    ALLOC: { guard: 'allocFits', actions: 'alloc' },
    FREE: { guard: 'freeFits', actions: 'free' },
  },
  states: {
    version: {
      on: {
        G_VERSION: [
          { guard: 'versionAccepted', target: 'caps' },
          { guard: 'versionRetried', actions: 'nextVersion' },
          { guard: 'versionExhausted', target: 'failed' },
        ],
      },
    },
    caps: { on: { G_CAPS: { guard: 'capsAccepted', target: 'ready' } } },
    ready: {
      initial: 'idle',
      on: {
        G_BALLOON: { guard: 'balloonAsLinux', actions: 'balloon' },
        G_HOT_ADD: { guard: 'hotAddWithinRange', actions: 'hotAdd' },
        G_OFFLINE: { guard: 'offlineFits', actions: 'offline' },
        G_STATUS: { guard: 'statusTruthful' },
      },
      states: {
        idle: { on: { G_UNBALLOON: [{ guard: 'unballoonMore', target: 'unballooning', actions: 'unballoon' }, { guard: 'unballoonPart', actions: 'unballoon' }] } },
        unballooning: { on: { G_UNBALLOON: [{ guard: 'unballoonMore', actions: 'unballoon' }, { guard: 'unballoonPart', target: 'idle', actions: 'unballoon' }] } },
      },
    },
    failed: {},
  },
});

export type HvGuestMachine = typeof hvGuestMachine;
