/**
 * The abstract state of one guest's balloon, as the virtio-balloon charts keep it: counts and the
 * in-flight buffers, never gpfn sets or frames. Only what the spec rules (VIRTIO 1.x 5.5.6,
 * docs/families/virtio.md) need to decide whether a step is allowed lives here, so two runs that
 * differ only in which pages moved share one abstract state (what keeps exploration finite).
 */
import type { BufferOrigin, GuestConfig, QueueName, VirtioFeatures, VirtioProfile } from '../../core/virtio/index.ts';
import { LIFE_AT_START, type LifeState } from './lifecycle.ts';

/** One buffer on a queue: from `buffer-queued` until the driver consumes its acknowledgement. */
export interface ModelBuffer {
  readonly id: number;
  readonly queue: QueueName;
  readonly origin: BufferOrigin;
  /** Gpfns in the buffer. */
  readonly size: number;
  /** The device processed and returned it (VIRTIO 2.6: on the used ring). */
  readonly acked: boolean;
  /**
   * A deflate whose pages the driver already handed back to the allocator before the
   * acknowledgement (allowed only without MUST_TELL_HOST, 5.5.6.1); its ack then frees nothing.
   */
  readonly reused: boolean;
}

/** The constants of one guest: its configuration, as far as the rules need it. */
export interface GuestModelInput {
  ramPages: number;
  floorPages: number;
  /** Gpfns per guest page (1 or 16). */
  gpp: number;
  maxBatch: number;
  /**
   * The features negotiated: the configuration's at the start, then what the driver accepted at
   * each reload (model/virtio/lifecycle.ts). The rules read these.
   */
  features: VirtioFeatures;
  /**
   * The configuration's features, never changed: what the device offers at the probe, and with
   * PAGE_POISON a guest that poisons its free pages (core/virtio/negotiation.ts). Absent: `features`.
   */
  offer?: VirtioFeatures;
  /** What the rules hold the guest to (core/virtio/config.ts `VirtioProfile`). */
  profile: VirtioProfile;
}

export interface GuestModelContext {
  readonly cfg: GuestModelInput;
  /** `num_pages` as the device holds it (after clamping). */
  target: number;
  /** `actual` as the driver last wrote it. */
  actual: number;
  /** A config change is pending (Linux: the config-change interrupt queued the balloon work). */
  wantsWork: boolean;
  /** Buffers on the queues, oldest first. */
  inflight: readonly ModelBuffer[];
  /** The guest allocator's counts, in gpfns. */
  free: number;
  used: number;
  /** The driver's view: gpfns on their way in, in the balloon (acknowledged), on their way out. */
  inflating: number;
  ballooned: number;
  deflating: number;
  /** The device's view: gpfns it holds in the balloon. */
  hostBalloon: number;
  /** Deflated gpfns whose acknowledgement was consumed but not yet handed back to the allocator. */
  reusable: number;
  /** Free gpfns in a free page report (PAGE_REPORTING) whose acknowledgement the driver has not consumed. */
  reported: number;
  /**
   * An acknowledgement of the driver's own was consumed since `actual` was last written: the
   * balloon changed and `actual` must follow (5.5.6.1; it may wait for several acks, the batching
   * the spec allows). The driver region is in `updatingActual` exactly while this holds.
   */
  actualDue: boolean;
  /** Reset happened and the reloaded driver has not yet written `actual` 0 (`driver.resetting`). */
  reloading: boolean;
  /** Device status and the set-up done since the last reset (model/virtio/lifecycle.ts). */
  life: LifeState;
  /** The highest buffer id seen; the explorer numbers new buffers after it (abstracted away in states). */
  lastId: number;
}

/** The model's constants for guest `g` of a system whose batch limit is `maxBatch`, held to `profile`. */
export function modelInput(g: GuestConfig, maxBatch: number, profile: VirtioProfile = 'linux'): GuestModelInput {
  return { ramPages: g.ramPages, floorPages: g.floorPages, gpp: g.guestPageGpfns, maxBatch, features: { ...g.features }, offer: { ...g.features }, profile };
}

/**
 * The state right after the driver's probe: every RAM page free, and with STATS_VQ one stats
 * buffer posted (buffer 1; the reference implementation drops the probe's effects, so the model
 * starts from it).
 */
export function initialContext(cfg: GuestModelInput): GuestModelContext {
  const stats: ModelBuffer[] = cfg.features.statsVq ? [{ id: 1, queue: 'stats', origin: 'driver', size: 0, acked: false, reused: false }] : [];
  return {
    cfg, target: 0, actual: 0, wantsWork: true, inflight: stats, free: cfg.ramPages, used: 0,
    inflating: 0, ballooned: 0, deflating: 0, hostBalloon: 0, reusable: 0, reported: 0, actualDue: false, reloading: false, life: LIFE_AT_START, lastId: stats.length,
  };
}

/**
 * The balloon size, in gpfns, a driver aims for: the target rounded up to whole guest pages
 * (the 2023 arm64 fix), kept above the floor (XSA-300). The one definition: the chart's guards
 * use it through `wanted`, and the liveness properties judge where a balloon settled by it
 * (properties/words.ts).
 *
 * @example wantedSize(1, 128, 0, 16) // 16: one 4 KiB page of target is a whole 64 KiB guest page
 */
export function wantedSize(target: number, ramPages: number, floorPages: number, gpp: number): number {
  const aligned = Math.ceil(target / gpp) * gpp;
  return Math.max(0, Math.min(aligned, Math.floor((ramPages - floorPages) / gpp) * gpp));
}

/** `wantedSize` of the guest the context models. */
export const wanted = (c: GuestModelContext): number => wantedSize(c.target, c.cfg.ramPages, c.cfg.floorPages, c.cfg.gpp);

/** Largest batch in gpfns: maxBatch rounded down to whole guest pages. */
export const batchGpfns = (c: GuestModelContext): number => Math.floor(c.cfg.maxBatch / c.cfg.gpp) * c.cfg.gpp;

/** A buffer of the driver's own (driver or OOM origin) on `queue`, acknowledged or not. */
export const ownPending = (c: GuestModelContext, queue: QueueName): boolean =>
  c.inflight.some((b) => b.queue === queue && b.origin !== 'hostile');

/**
 * The balloon once every buffer of the driver's in flight is through: acknowledged pages plus
 * pages on their way in (deflated pages already left `ballooned` when they were queued). With
 * several batches in flight the driver's inflate/deflate decisions are judged against this.
 */
export const projected = (c: GuestModelContext): number => c.ballooned + c.inflating;

/** The oldest buffer of driver origin (not OOM, stats, reporting or hostile) on inflateq or deflateq. */
export const oldestDriverBatch = (c: GuestModelContext): ModelBuffer | undefined =>
  c.inflight.find((b) => b.origin === 'driver' && (b.queue === 'inflate' || b.queue === 'deflate'));

/**
 * Without MUST_TELL_HOST, a deflate of the driver's own in flight whose `size` pages it may take
 * back before the acknowledgement (5.5.6.1); the oldest such, or undefined.
 */
export const earlyReusable = (c: GuestModelContext, size: number): ModelBuffer | undefined =>
  c.cfg.features.mustTellHost ? undefined
    : c.inflight.find((b) => b.queue === 'deflate' && b.origin !== 'hostile' && !b.reused && b.size === size);

/** Some acknowledged buffer waits for the driver. */
export const ackWaiting = (c: GuestModelContext): boolean => c.inflight.some((b) => b.acked);

/** The oldest buffer on `queue` the device has not processed. */
export const nextForDevice = (c: GuestModelContext, queue: QueueName): ModelBuffer | undefined =>
  c.inflight.find((b) => b.queue === queue && !b.acked);

export const bufferById = (c: GuestModelContext, id: number): ModelBuffer | undefined => c.inflight.find((b) => b.id === id);

/** Linux deflates this many gpfns per OOM notification (VIRTIO_BALLOON_OOM_NR_PAGES). */
export const OOM_DEFLATE_GPFNS = 256;
