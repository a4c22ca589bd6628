/**
 * The virtio-balloon statechart of one guest (VIRTIO 1.x 5.5 "Traditional Memory Balloon
 * Device"; docs/families/virtio.md), with parallel regions:
 *
 * - `driver` (5.5.6): idle; inflating / deflating (batches of its own in flight, named by the
 *   oldest when it left idle); updatingActual (an ack was consumed and `actual` not yet written:
 *   5.5.6.1 "only after that acknowledgement", possibly after several); resetting (device reset
 *   and driver reload: actual 0). The driver's events are taken at the region (queue, consume,
 *   reuse), whatever the sub-state, and the sub-state follows the context through eventless
 *   transitions: so what the spec leaves free (batches in flight, batched `actual` updates,
 *   early reuse without MUST_TELL_HOST) needs no transition the Linux-like reference never takes.
 * - `oom` (5.5.6 DEFLATE_ON_OOM, open spec issue 228 as docs/families/virtio.md reads it): off without the
 *   feature; armed; notified (an allocation failed: the notifier must deflate); deflating.
 * - `lifecycle` (VIRTIO 1.2 3.1.1, 5.5.6.6.1; model/virtio/lifecycle.ts): driverOk; reset;
 *   featuresOk, where the reloaded driver writes poison_val and posts the stats buffer before DRIVER_OK.
 * - `device` (5.5.6.2), one region per queue: inflateq and deflateq idle/busy (a buffer awaits
 *   processing), statsq (5.5.6.3) posted/returned/empty, at most one buffer outstanding; reportq
 *   (5.5.6.7, with PAGE_REPORTING) idle/busy, busy while a free page report is in flight.
 *
 * Context is abstract (counts and in-flight buffers, model/virtio/context.ts); every guard is a
 * named rule list (model/virtio/rules.ts), so an event the spec forbids is simply not accepted,
 * and the refusal can be explained. The chart never sees gpfns or frames.
 *
 * The chart is held to a profile (context `cfg.profile`; docs/virtio-spec.md): the spec alone, or
 * Linux's or Firecracker's narrowing of it. Rules say which profiles they hold under; three
 * transitions (an early `actual` write, an OOM deflate no failed allocation asked for, a second one
 * in flight) can be taken under `spec` alone and say so in their `meta.only`.
 */
import { assign, setup } from 'xstate';
import {
  bufferById, earlyReusable, initialContext, nextForDevice, oldestDriverBatch, ownPending, wanted,
  type GuestModelContext, type GuestModelInput, type ModelBuffer,
} from './context.ts';
import type { GuestEvent } from './events.ts';
import { allHold, type RuleSetName } from './rules.ts';
import { acceptedOf, lifeAfter, lifecycleRegion } from './lifecycle.ts';
import type { FeatureName } from '../../core/virtio/index.ts';
import type { QueueName } from '../../core/virtio/index.ts';

type Ev<T extends GuestEvent['type']> = Extract<GuestEvent, { type: T }>;
type GuardArgs = { context: GuestModelContext; event: GuestEvent };
const rule = (name: RuleSetName) => ({ context, event }: GuardArgs) => allHold(name, context, event);

const push = (c: GuestModelContext, e: GuestEvent): readonly ModelBuffer[] => {
  const q = e as Ev<'BUFFER_QUEUED'>;
  return [...c.inflight, { id: q.id, queue: q.queue, origin: q.origin, size: q.size, acked: false, reused: false }];
};
const without = (c: GuestModelContext, id: number) => c.inflight.filter((b) => b.id !== id);
const consumed = (c: GuestModelContext, e: GuestEvent) => bufferById(c, (e as Ev<'ACK_CONSUMED'>).id)!;

/**
 * One device queue as a region: busy while it holds a buffer the device has not processed.
 * The inflate and deflate queues are the same machine over a different queue (VIRTIO 5.5.2).
 */
const queueRegion = (queue: 'inflate' | 'deflate') => ({
  initial: 'idle' as const,
  on: { RESET: '.idle' },
  states: {
    idle: { always: { guard: { type: 'hasUnprocessed' as const, params: { queue } }, target: 'busy' } },
    busy: {
      always: { guard: { type: 'noUnprocessed' as const, params: { queue } }, target: 'idle' },
      on: { BUFFER_PROCESSED: { guard: { type: 'processAllowed' as const, params: { queue } }, actions: 'process' as const } },
    },
  },
});

export const guestMachine = setup({
  types: {
    context: {} as GuestModelContext,
    events: {} as GuestEvent,
    input: {} as GuestModelInput,
  },
  guards: {
    inflateAllowed: rule('inflateAllowed'),
    deflateAllowed: rule('deflateAllowed'),
    oomDeflateAllowed: rule('oomDeflateAllowed'),
    /** An OOM deflate no failed allocation asked for, or beside another (spec profile only). */
    oomDeflateUnprompted: (a: GuardArgs) => rule('oomDeflateUnprompted')(a) && rule('oomDeflateAllowed')(a),
    statsPostAllowed: rule('statsPostAllowed'),
    hostileQueued: rule('hostileQueued'),
    /** The device serves `queue`: routing by the region's queue, then the rules. */
    processAllowed: (a: GuardArgs, p: { queue: QueueName }) => (a.event as Ev<'BUFFER_PROCESSED'>).queue === p.queue && rule('processAllowed')(a),
    ackOfOwnInflate: rule('ackOfOwnInflate'),
    ackOfOwnDeflate: rule('ackOfOwnDeflate'),
    ackOfOomDeflate: rule('ackOfOomDeflate'),
    ackOfStats: rule('ackOfStats'),
    ackOfHostile: rule('ackOfHostile'),
    reuseMatches: rule('reuseMatches'),
    actualMatchesBalloon: rule('actualMatchesBalloon'),
    actualIsZero: rule('actualIsZero'),
    actualEarly: rule('actualEarly'),
    driverMayIdle: rule('driverMayIdle'),
    queueEmpty: rule('queueEmpty'),
    outOfPuff: rule('outOfPuff'),
    targetClamped: rule('targetClamped'),
    allocFits: rule('allocFits'),
    freeFits: rule('freeFits'),
    reallyOutOfMemory: rule('reallyOutOfMemory'),
    oomDeflateExpected: rule('oomDeflateExpected'),
    deflateOnOomNegotiated: rule('deflateOnOomNegotiated'),
    statsNegotiated: rule('statsNegotiated'),
    reportAllowed: rule('reportAllowed'),
    ackOfReport: rule('ackOfReport'),
    reportingNegotiated: rule('reportingNegotiated'),
    featuresOkAllowed: rule('featuresOkAllowed'),
    refusalAllowed: rule('refusalAllowed'),
    /**
     * A FEATURES_OK the lifecycle takes, whose accepted set has (or lacks) `feature`: the queue
     * and OOM regions follow what a reload negotiated (core/virtio/negotiation.ts).
     */
    featuresOkWith: ({ context, event }: GuardArgs, p: { feature: FeatureName }) => allHold('featuresOkAllowed', context, event) && acceptedOf(context, event)[p.feature] === true,
    poisonWriteAllowed: rule('poisonWriteAllowed'),
    driverOkAllowed: rule('driverOkAllowed'),
    /** Bookkeeping: no report of the driver's is in flight (device.reportq leaves busy). */
    noReportInFlight: ({ context }: GuardArgs) => !context.inflight.some((b) => b.queue === 'reporting'),
    /** Bookkeeping, not rules: `actual` must follow a consumed ack (driver.updatingActual). */
    actualDue: ({ context }: GuardArgs) => context.actualDue,
    /** The oldest batch of driver origin in flight is on `queue` (driver.inflating or driver.deflating). */
    oldestBatchOn: ({ context }: GuardArgs, p: { queue: QueueName }) => oldestDriverBatch(context)?.queue === p.queue,
    /** A buffer on `queue` waits for the device. */
    hasUnprocessed: ({ context }: GuardArgs, p: { queue: QueueName }) => nextForDevice(context, p.queue) !== undefined,
    noUnprocessed: ({ context }: GuardArgs, p: { queue: QueueName }) => nextForDevice(context, p.queue) === undefined,
  },
  actions: {
    setTarget: assign(({ event }) => ({ target: (event as Ev<'TARGET_SET'>).target, wantsWork: true })),
    queueInflate: assign(({ context: c, event }) => ({
      inflight: push(c, event), free: c.free - (event as Ev<'BUFFER_QUEUED'>).size,
      inflating: c.inflating + (event as Ev<'BUFFER_QUEUED'>).size, lastId: (event as Ev<'BUFFER_QUEUED'>).id,
    })),
    queueDeflate: assign(({ context: c, event }) => ({
      inflight: push(c, event), ballooned: c.ballooned - (event as Ev<'BUFFER_QUEUED'>).size,
      deflating: c.deflating + (event as Ev<'BUFFER_QUEUED'>).size, lastId: (event as Ev<'BUFFER_QUEUED'>).id,
    })),
    /** Stats and hostile buffers: on the queue, nothing else changes. */
    queueBuffer: assign(({ context: c, event }) => ({ inflight: push(c, event), lastId: (event as Ev<'BUFFER_QUEUED'>).id })),
    process: assign(({ context: c, event }) => {
      const p = event as Ev<'BUFFER_PROCESSED'>;
      const delta = p.queue === 'inflate' ? p.accepted : p.queue === 'deflate' ? -p.accepted : 0;
      return { inflight: c.inflight.map((b) => (b.id === p.id ? { ...b, acked: true } : b)), hostBalloon: c.hostBalloon + delta };
    }),
    consumeInflate: assign(({ context: c, event }) => {
      const b = consumed(c, event);
      return { inflight: without(c, b.id), inflating: c.inflating - b.size, ballooned: c.ballooned + b.size, actualDue: true };
    }),
    /** A deflate ack: its pages become reusable, unless the driver took them back already (no MUST_TELL_HOST). */
    consumeDeflate: assign(({ context: c, event }) => {
      const b = consumed(c, event);
      if (b.reused) return { inflight: without(c, b.id), actualDue: true };
      return { inflight: without(c, b.id), deflating: c.deflating - b.size, reusable: c.reusable + b.size, actualDue: true };
    }),
    /** A free page report: its pages leave the free list until the acknowledgement (5.5.6.7.1). */
    queueReport: assign(({ context: c, event }) => ({
      inflight: push(c, event), free: c.free - (event as Ev<'BUFFER_QUEUED'>).size,
      reported: c.reported + (event as Ev<'BUFFER_QUEUED'>).size, lastId: (event as Ev<'BUFFER_QUEUED'>).id,
    })),
    /** A report's acknowledgement consumed: its pages are free again. */
    consumeReport: assign(({ context: c, event }) => {
      const b = consumed(c, event);
      return { inflight: without(c, b.id), free: c.free + b.size, reported: c.reported - b.size };
    }),
    /** Stats and hostile acknowledgements: the buffer leaves the queue. */
    dropBuffer: assign(({ context: c, event }) => ({ inflight: without(c, (event as Ev<'ACK_CONSUMED'>).id) })),
    /** Pages back to the allocator: acknowledged ones first, else those of a deflate still in flight (early reuse). */
    reusePages: assign(({ context: c, event }) => {
      const n = (event as Ev<'PAGES_REUSED'>).size;
      if (n <= c.reusable) return { free: c.free + n, reusable: c.reusable - n };
      const b = earlyReusable(c, n)!;
      return { free: c.free + n, deflating: c.deflating - n, inflight: c.inflight.map((x) => (x.id === b.id ? { ...x, reused: true } : x)) };
    }),
    writeActual: assign(({ event }) => ({ actual: (event as Ev<'ACTUAL_WRITTEN'>).actual, actualDue: false, reloading: false })),
    /** The driver found nothing to do at the wanted size: the config-change work is done. */
    noteIdle: assign(({ context: c }) => ({
      wantsWork: c.wantsWork && (ownPending(c, 'inflate') || ownPending(c, 'deflate') || c.ballooned !== wanted(c)),
    })),
    allocate: assign(({ context: c, event }) => ({ free: c.free - (event as Ev<'PAGES_ALLOCATED'>).size, used: c.used + (event as Ev<'PAGES_ALLOCATED'>).size })),
    freePages: assign(({ context: c, event }) => ({ free: c.free + (event as Ev<'PAGES_FREED'>).size, used: c.used - (event as Ev<'PAGES_FREED'>).size })),
    /**
     * Reset and reload: every page in or on its way to the balloon is the guest's again, queues
     * empty, the target stays. `actual` stays as QEMU keeps it (virtio_balloon_device_reset), but
     * Firecracker's device zeroes it.
     */
    resetBalloon: assign(({ context: c }) => ({
      ...(c.cfg.profile === 'firecracker' ? { actual: 0 } : {}),
      free: c.free + c.inflating + c.ballooned + c.deflating + c.reusable + c.reported,
      inflating: 0, ballooned: 0, deflating: 0, reusable: 0, reported: 0, hostBalloon: 0, inflight: [], wantsWork: true, actualDue: false, reloading: true,
    })),
    lifeReset: assign(() => ({ life: lifeAfter.reset() })),
    lifeFeaturesOk: assign(({ context: c, event: e }) => ({ life: lifeAfter.featuresOk(c), cfg: lifeAfter.negotiated(c, e) })),
    lifeRefused: assign(({ context: c }) => ({ life: lifeAfter.refused(c) })),
    lifePoison: assign(({ context: c }) => ({ life: lifeAfter.poisonWritten(c) })),
    lifeDriverOk: assign(({ context: c }) => ({ life: lifeAfter.driverOk(c) })),
  },
}).createMachine({
  id: 'virtio-guest',
  type: 'parallel',
  context: ({ input }) => initialContext(input),
  on: {
    PAGES_ALLOCATED: { guard: 'allocFits', actions: 'allocate' },
    PAGES_FREED: { guard: 'freeFits', actions: 'freePages' },
  },
  states: {
    driver: {
      initial: 'idle',
      // The driver's own events, in any sub-state: the rules judge them on the context, and the
      // sub-state follows through eventless transitions (see the header).
      on: {
        RESET: { target: '.resetting', actions: 'resetBalloon' },
        DRIVER_IDLE: { guard: 'driverMayIdle', actions: 'noteIdle' },
        OUT_OF_PUFF: { guard: 'outOfPuff' },
        BUFFER_QUEUED: [
          { guard: 'inflateAllowed', actions: 'queueInflate' },
          { guard: 'deflateAllowed', actions: 'queueDeflate' },
        ],
        ACK_CONSUMED: [
          { guard: 'ackOfOwnInflate', actions: 'consumeInflate' },
          { guard: 'ackOfOwnDeflate', actions: 'consumeDeflate' },
          { guard: 'ackOfOomDeflate', actions: 'consumeDeflate' },
        ],
        PAGES_REUSED: { guard: 'reuseMatches', actions: 'reusePages' },
        // An `actual` write with no ack consumed since the last (5.5.6.1 forbids none): spec profile only.
        ACTUAL_WRITTEN: { guard: 'actualEarly', actions: 'writeActual', meta: { only: ['spec'] } },
      },
      states: {
        idle: {
          always: [
            { guard: 'actualDue', target: 'updatingActual' },
            { guard: { type: 'oldestBatchOn', params: { queue: 'inflate' } }, target: 'inflating' },
            { guard: { type: 'oldestBatchOn', params: { queue: 'deflate' } }, target: 'deflating' },
          ],
        },
        inflating: { always: { guard: 'actualDue', target: 'updatingActual' } },
        deflating: { always: { guard: 'actualDue', target: 'updatingActual' } },
        updatingActual: {
          on: { ACTUAL_WRITTEN: { guard: 'actualMatchesBalloon', target: 'idle', actions: 'writeActual' } },
        },
        resetting: {
          on: { ACTUAL_WRITTEN: { guard: 'actualIsZero', target: 'idle', actions: 'writeActual' } },
        },
      },
    },
    oom: {
      initial: 'negotiating',
      on: {
        RESET: '.negotiating',
        // The reload's negotiation decides again (model/virtio/lifecycle.ts).
        FEATURES_OK: [{ guard: { type: 'featuresOkWith', params: { feature: 'deflateOnOom' } }, target: '.armed' }, { guard: 'featuresOkAllowed', target: '.off' }],
      },
      states: {
        negotiating: { always: [{ guard: 'deflateOnOomNegotiated', target: 'armed' }, { target: 'off' }] },
        off: { on: { ALLOC_FAILED: { guard: 'reallyOutOfMemory' }, STEP_DONE: {} } },
        armed: {
          on: {
            ALLOC_FAILED: [{ guard: 'oomDeflateExpected', target: 'notified' }, { guard: 'reallyOutOfMemory' }],
            STEP_DONE: {},
            // 5.5.6.1 statement 12 names no trigger for a DEFLATE_ON_OOM deflate: spec profile only.
            BUFFER_QUEUED: { guard: 'oomDeflateUnprompted', target: 'deflating', actions: 'queueDeflate', meta: { only: ['spec'] } },
          },
        },
        notified: { on: { BUFFER_QUEUED: { guard: 'oomDeflateAllowed', target: 'deflating', actions: 'queueDeflate' } } },
        deflating: {
          on: {
            ALLOC_FAILED: { guard: 'reallyOutOfMemory' },
            ACK_CONSUMED: { guard: 'ackOfOomDeflate', target: 'armed' },
            STEP_DONE: {},
            // A second OOM deflate beside one in flight (Linux serialises them on balloon_lock): spec profile only.
            BUFFER_QUEUED: { guard: 'oomDeflateUnprompted', actions: 'queueDeflate', meta: { only: ['spec'] } },
          },
        },
      },
    },
    // Reset and reload: FEATURES_OK, poison_val, DRIVER_OK (model/virtio/lifecycle.ts).
    lifecycle: lifecycleRegion,
    device: {
      type: 'parallel',
      on: {
        TARGET_SET: { guard: 'targetClamped', actions: 'setTarget' },
        BUFFER_QUEUED: { guard: 'hostileQueued', actions: 'queueBuffer' },
        ACK_CONSUMED: { guard: 'ackOfHostile', actions: 'dropBuffer' },
        DEVICE_IDLE: { guard: 'queueEmpty' },
      },
      states: {
        inflateq: queueRegion('inflate'),
        deflateq: queueRegion('deflate'),
        statsq: {
          initial: 'negotiating',
          // Reset drops the posted buffer; the reloaded driver posts a fresh one (Linux probe).
          on: {
            RESET: [{ guard: 'statsNegotiated', target: '.empty' }, { target: '.off' }],
            // The reload's negotiation decides again whether statsq exists (model/virtio/lifecycle.ts).
            FEATURES_OK: [{ guard: { type: 'featuresOkWith', params: { feature: 'statsVq' } }, target: '.empty' }, { guard: 'featuresOkAllowed', target: '.off' }],
          },
          states: {
            negotiating: { always: [{ guard: 'statsNegotiated', target: 'posted' }, { target: 'off' }] },
            off: {},
            posted: { on: { BUFFER_PROCESSED: { guard: { type: 'processAllowed', params: { queue: 'stats' } }, target: 'returned', actions: 'process' } } },
            returned: { on: { ACK_CONSUMED: { guard: 'ackOfStats', target: 'empty', actions: 'dropBuffer' } } },
            empty: { on: { BUFFER_QUEUED: { guard: 'statsPostAllowed', target: 'posted', actions: 'queueBuffer' } } },
          },
        },
        // Free page reporting (5.5.6.7): busy while a report of the driver's is in flight, from
        // the moment it is queued until the driver consumed its acknowledgement.
        reportq: {
          initial: 'negotiating',
          // Reset drops the reports in flight; their pages are the guest's again (resetBalloon).
          on: {
            RESET: [{ guard: 'reportingNegotiated', target: '.idle' }, { target: '.off' }],
            FEATURES_OK: [{ guard: { type: 'featuresOkWith', params: { feature: 'pageReporting' } }, target: '.idle' }, { guard: 'featuresOkAllowed', target: '.off' }],
          },
          states: {
            negotiating: { always: [{ guard: 'reportingNegotiated', target: 'idle' }, { target: 'off' }] },
            off: {},
            idle: { on: { BUFFER_QUEUED: { guard: 'reportAllowed', target: 'busy', actions: 'queueReport' } } },
            busy: {
              always: { guard: 'noReportInFlight', target: 'idle' },
              on: {
                BUFFER_QUEUED: { guard: 'reportAllowed', actions: 'queueReport' },
                BUFFER_PROCESSED: { guard: { type: 'processAllowed', params: { queue: 'reporting' } }, actions: 'process' },
                ACK_CONSUMED: { guard: 'ackOfReport', actions: 'consumeReport' },
              },
            },
          },
        },
      },
    },
  },
});

export type GuestMachine = typeof guestMachine;
