/**
 * The VirtualBox charts. `virtualbox-guest` is VBoxGuest's balloon: no size known yet, a session
 * open (ready to send a chunk, or waiting for the host's EMT), or closing (deflating from the top
 * until empty). `virtualbox-host` is VMMDev and PGM: changes done inside the request on one CPU,
 * or posted to an EMT and applied later on several; the balloon event raised and acknowledged.
 */
import { assign, setup } from 'xstate';
import { maxChunksOf, type VboxGuestConfig, type VboxSystemConfig } from '../../core/virtualbox/index.ts';
import type { VboxEvent } from './events.ts';
import { allHold, GUEST_RULES, HOST_RULES, type VboxGuestContext, type VboxHostContext } from './rules.ts';

export interface VboxChartInput { system: VboxSystemConfig; guest: VboxGuestConfig }

type Ev<T extends VboxEvent['type']> = Extract<VboxEvent, { type: T }>;
type GArgs = { context: VboxGuestContext; event: VboxEvent };
type HArgs = { context: VboxHostContext; event: VboxEvent };
const grule = (name: keyof typeof GUEST_RULES) => ({ context, event }: GArgs) => allHold(GUEST_RULES[name] as never, context, event);
const hrule = (name: keyof typeof HOST_RULES) => ({ context, event }: HArgs) => allHold(HOST_RULES[name] as never, context, event);
const signed = (inflate: boolean, n: number) => (inflate ? n : -n);

export const vboxGuestMachine = setup({
  types: { context: {} as VboxGuestContext, events: {} as VboxEvent, input: {} as VboxChartInput },
  guards: {
    fetchAccepted: grule('fetchAccepted'),
    fetchRefused: grule('fetchRefused'),
    inflateDone: grule('inflateDone'),
    inflateQueued: grule('inflateQueued'),
    inflateFailed: grule('inflateFailed'),
    deflateDone: grule('deflateDone'),
    deflateQueued: grule('deflateQueued'),
    deflateFailed: grule('deflateFailed'),
    wantedDeflateDone: grule('wantedDeflateDone'),
    wantedDeflateQueued: grule('wantedDeflateQueued'),
    wantedDeflateFailed: grule('wantedDeflateFailed'),
    ownApplied: grule('ownApplied'),
    sizeCounted: grule('sizeCounted'),
    short: grule('short'),
    balloonEmpty: grule('balloonEmpty'),
  },
  actions: {
    takeWanted: assign(({ event }) => ({ wanted: (event as Ev<'FETCH'>).wanted })),
    count: assign(({ context, event }) => ({ chunks: context.chunks + signed((event as Ev<'CHANGE'>).inflate, 1) })),
    inFlight: assign(({ event }) => ({ inflating: (event as Ev<'CHANGE'>).inflate })),
    applied: assign(({ context, event }) => ({ chunks: context.chunks + signed((event as Ev<'APPLIED'>).inflate, 1) })),
    closed: assign({ wanted: 0 }),
  },
}).createMachine({
  id: 'virtualbox-guest',
  context: ({ input }) => ({ chunks: 0, wanted: 0, max: maxChunksOf(input.guest, input.system.chunkPages), chunkPages: input.system.chunkPages, inflating: false }),
  initial: 'unknown',
  on: {
    SIZE: { guard: 'sizeCounted' },
    DELIVER: {},
  },
  states: {
    unknown: {
      on: {
        FETCH: [{ guard: 'fetchAccepted', target: 'open', actions: 'takeWanted' }, { guard: 'fetchRefused', target: 'open' }],
        CLOSE: { target: 'closing' },
      },
    },
    open: {
      initial: 'ready',
      on: { CLOSE: { target: 'closing' } },
      states: {
        ready: {
          on: {
            FETCH: [{ guard: 'fetchAccepted', actions: 'takeWanted' }, { guard: 'fetchRefused' }],
            CHANGE: [
              { guard: 'inflateDone', actions: 'count' },
              { guard: 'inflateQueued', target: 'waiting', actions: 'inFlight' },
              { guard: 'inflateFailed' },
              { guard: 'wantedDeflateDone', actions: 'count' },
              { guard: 'wantedDeflateQueued', target: 'waiting', actions: 'inFlight' },
              { guard: 'wantedDeflateFailed' },
            ],
            PUFF: { guard: 'short' },
          },
        },
        waiting: {
          on: {
            APPLIED: { guard: 'ownApplied', target: 'ready', actions: 'applied' },
            CLOSE: { target: '#virtualbox-guest.closing.waiting' },
          },
        },
      },
    },
    closing: {
      initial: 'deflating',
      on: { CLOSE: {} },
      states: {
        deflating: {
          on: {
            CHANGE: [
              { guard: 'deflateDone', actions: 'count' },
              { guard: 'deflateQueued', target: 'waiting', actions: 'inFlight' },
              { guard: 'deflateFailed' },
            ],
            CLOSED: { guard: 'balloonEmpty', target: '#virtualbox-guest.unknown', actions: 'closed' },
          },
        },
        waiting: {
          on: { APPLIED: { guard: 'ownApplied', target: 'deflating', actions: 'applied' } },
        },
      },
    },
  },
});

export const vboxHostMachine = setup({
  types: { context: {} as VboxHostContext, events: {} as VboxEvent, input: {} as VboxChartInput },
  guards: {
    smp: ({ context }) => context.smp,
    hostileRefused: hrule('hostileRefused'),
    doneInline: hrule('doneInline'),
    postedToEmt: hrule('postedToEmt'),
    failedArmed: hrule('failedArmed'),
    lastQueued: hrule('lastQueued'),
    eventPending: hrule('eventPending'),
  },
  actions: {
    raise: assign({ eventPending: true }),
    ack: assign({ eventPending: false }),
    change: assign(({ context, event }) => ({ ballooned: context.ballooned + signed((event as Ev<'CHANGE'>).inflate, (event as Ev<'CHANGE'>).pages) })),
    enqueue: assign(({ context }) => ({ queued: context.queued + 1 })),
    apply: assign(({ context, event }) => ({ ballooned: context.ballooned + signed((event as Ev<'APPLIED'>).inflate, (event as Ev<'APPLIED'>).pages), queued: context.queued - 1 })),
  },
}).createMachine({
  id: 'virtualbox-host',
  context: ({ input }) => ({ ballooned: 0, queued: 0, eventPending: false, chunkPages: input.system.chunkPages, smp: input.guest.cpus > 1 }),
  initial: 'starting',
  on: {
    RAISE: { actions: 'raise' },
    DELIVER: { guard: 'eventPending' },
    FETCH: { actions: 'ack' },
    HOSTILE: { guard: 'hostileRefused' },
  },
  states: {
    starting: { always: [{ guard: 'smp', target: 'async' }, { target: 'sync' }] },
    sync: {
      on: { CHANGE: [{ guard: 'doneInline', actions: 'change' }, { guard: 'failedArmed' }] },
    },
    async: {
      initial: 'idle',
      states: {
        idle: { on: { CHANGE: [{ guard: 'postedToEmt', target: 'queued', actions: 'enqueue' }, { guard: 'failedArmed' }] } },
        queued: { on: { APPLIED: { guard: 'lastQueued', target: 'idle', actions: 'apply' } } },
      },
    },
  },
});

export type VboxGuestMachine = typeof vboxGuestMachine;
export type VboxHostMachine = typeof vboxHostMachine;
