/**
 * The host's side of one guest's channel as a statechart: negotiating until it accepts the
 * capabilities, then idle or with one transaction open (ballooning, unballooning, hot-adding)
 * until its last response comes back or the host gives it up. Guards are named rules
 * (model/hyperv/rules.ts) on the host's target and balloon.
 */
import { assign, setup } from 'xstate';
import { initialHostContext, type HvChartInput, type HvHostContext } from './context.ts';
import type { HvEvent } from './events.ts';
import { allHold, HOST_RULES, type HostRuleName } from './rules.ts';

type Ev<T extends HvEvent['type']> = Extract<HvEvent, { type: T }>;
type Args = { context: HvHostContext; event: HvEvent };
const rule = (name: HostRuleName) => ({ context, event }: Args) => allHold(HOST_RULES[name], context, event);

export const hvHostMachine = setup({
  types: { context: {} as HvHostContext, events: {} as HvEvent, input: {} as HvChartInput },
  guards: {
    balloonTowardTarget: rule('balloonTowardTarget'),
    unballoonTowardTarget: rule('unballoonTowardTarget'),
    hotAddOffered: rule('hotAddOffered'),
    balloonPart: rule('balloonPart'),
    /** Bookkeeping on top of balloonPart: the response says whether more follow. */
    balloonMore: ({ context, event }: Args) => allHold(HOST_RULES.balloonPart, context, event) && (event as Ev<'H_RESPONSE'>).more,
    unballoonAnswered: rule('unballoonAnswered'),
    hotAddAnswered: rule('hotAddAnswered'),
    targetClamped: rule('targetClamped'),
  },
  actions: {
    caps: assign(({ event }) => ({ balloonCap: (event as Ev<'H_CAPS'>).balloon })),
    ask: assign(({ event }) => ({ asked: (event as Ev<'H_REQUEST'>).pages, given: 0 })),
    named: assign(({ event }) => ({ actual: (event as Ev<'H_REQUEST'>).actual })),
    took: assign(({ context: c, event }) => ({ given: c.given + (event as Ev<'H_RESPONSE'>).pages, actual: (event as Ev<'H_RESPONSE'>).actual })),
    target: assign(({ event }) => ({ target: (event as Ev<'TARGET_SET'>).target })),
  },
}).createMachine({
  id: 'hyperv-host',
  context: ({ input }) => initialHostContext(input),
  initial: 'negotiating',
  on: {
    TARGET_SET: { guard: 'targetClamped', actions: 'target' },
    // H_STALE is taken nowhere: the host refuses a guest response only when no transaction of
    // its kind is open (impl/hyperv/host-side.ts matches by its own state, as QEMU hv-balloon.c
    // does, never by the response's trans_id, which Linux draws fresh from its own counter), and
    // a driver that follows balloon_up, balloon_down and hot_add_req answers only an open request.
    H_STATUS: {},
  },
  states: {
    negotiating: { on: { H_VERSION: {}, H_CAPS: { target: 'ready', actions: 'caps' } } },
    ready: {
      initial: 'idle',
      on: { H_ABANDON: '.idle' },
      states: {
        idle: {
          on: {
            H_REQUEST: [
              { guard: 'balloonTowardTarget', target: 'ballooning', actions: 'ask' },
              { guard: 'unballoonTowardTarget', target: 'unballooning', actions: 'named' },
              { guard: 'hotAddOffered', target: 'hotAdding' },
            ],
          },
        },
        ballooning: { on: { H_RESPONSE: [{ guard: 'balloonMore', actions: 'took' }, { guard: 'balloonPart', target: 'idle', actions: 'took' }] } },
        unballooning: { on: { H_RESPONSE: { guard: 'unballoonAnswered', target: 'idle' } } },
        hotAdding: { on: { H_RESPONSE: { guard: 'hotAddAnswered', target: 'idle' } } },
      },
    },
  },
});

export type HvHostMachine = typeof hvHostMachine;
