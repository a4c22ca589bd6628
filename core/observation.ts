/**
 * The observation of a whole system: what every checker reads. Arrays are indexed by frame or by
 * gpfn so that an incremental check is one lookup; an implementation may hand out live views (the
 * reference one does), so a checker must not keep them across steps.
 */
import type { VirtioFeatures } from './config.ts';
import type { QueueName } from './commands.ts';
import type { BufferOrigin } from './effects.ts';

/** Owner codes in `HostObservation.owner` besides a guest index. */
export const FRAME_FREE = -1;
export const FRAME_RESERVED = -2;
/** `p2m` value of a gpfn with no backing frame. */
export const UNBACKED = -1;

/** State of one gpfn as the guest (allocator and balloon driver) sees it. */
export const PageState = {
  Hole: 0, Free: 1, Used: 2, Inflating: 3, Ballooned: 4, Deflating: 5,
} as const;
export type PageState = (typeof PageState)[keyof typeof PageState];
export const pageStateName = (s: number): string =>
  (Object.keys(PageState) as (keyof typeof PageState)[]).find((k) => PageState[k] === s)?.toLowerCase() ?? `state ${s}`;

export interface HostObservation {
  totalFrames: number;
  reservedFrames: number;
  /** The host's own count of free frames (checked against `owner`). */
  freeFrames: number;
  /** Per frame: the guest index that maps it, FRAME_FREE or FRAME_RESERVED. */
  owner: Int32Array;
  /** Per frame: the gpfn that maps it within its owner, or -1. */
  ownerGpfn: Int32Array;
}

export interface BufferObservation {
  id: number;
  queue: QueueName;
  origin: BufferOrigin;
  gpfns: readonly number[];
  /** The device has processed and returned the buffer; the driver has not consumed the ack yet. */
  acked: boolean;
}

export interface GuestCounts {
  free: number; used: number; inflating: number; ballooned: number; deflating: number;
}

export interface GuestObservation {
  /** `num_pages` as the device holds it (after clamping). */
  target: number;
  /** `actual` as last written by the driver. */
  actual: number;
  features: VirtioFeatures;
  /** gpfn to frame, or UNBACKED: the CPU's (EPT/NPT) view. */
  p2m: Int32Array;
  /** gpfn to frame as an assigned device (IOMMU) sees it; null without one. */
  dmaView: Int32Array | null;
  /** Per gpfn, the driver's and allocator's view (PageState). */
  pageState: Uint8Array;
  /** Per gpfn, 1 when the device holds it in the balloon. */
  hostBallooned: Uint8Array;
  /** Buffers on the queues, oldest first, including acknowledged ones not yet consumed. */
  inflight: readonly BufferObservation[];
  /** The driver's counters, in gpfns. */
  counts: GuestCounts;
}

/**
 * The data oracle is deliberately not part of the observation: the checker keeps it
 * (properties/safety/data-oracle.ts) from the `wrote`, `read`, `pages-allocated` and
 * `pages-freed` effects, so an implementation under test never grades its own memory contents.
 */
export interface Observation {
  host: HostObservation;
  guests: readonly GuestObservation[];
}
