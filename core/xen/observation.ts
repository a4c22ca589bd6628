/**
 * The observation of a Xen system: the world part every family shares (frames; per guest its
 * target, actual, p2m, page states, what the host holds as given back, counts) and Xen's own
 * part under `xen`. Arrays are live views of the reference; a checker must not keep them.
 */
import type { WorldGuestObservation, WorldObservation } from '../world.ts';
import type { GpfnArray } from '../paged.ts';
import type { ThreadState } from './effects.ts';

export interface XenThreadObservation {
  state: ThreadState;
  /** balloon_stats.schedule_delay (s) and retry_count. */
  delay: number;
  retries: number;
  /** Virtual time at which the thread's timeout expires. */
  wakeAt: number;
  /** The credit it went to sleep with (0 after DONE): a different credit wakes it (balloon_thread_cond). */
  sleepCredit: number;
  /** A hypercall was preempted and its continuation has not finished. */
  inHypercall: boolean;
}

export interface XenGuestPart {
  thread: XenThreadObservation;
  /** balloon_stats. current_pages is the world `actual`, target_pages the world `target`. */
  currentPages: number;
  targetPages: number;
  /** Pages on the ballooned list; x86-64 has no highmem, so balloon_high stays 0. */
  balloonLow: number;
  balloonHigh: number;
  /** Ballooned pages lent to backends (target_unpopulated in balloon_stats). */
  lent: number;
  /** PoD: outstanding entries and frames in the cache (Xen's p2m->pod.entry_count and count). */
  podEntries: number;
  podCache: number;
  /** Per gpfn, 1 for a PoD entry (unbacked, backed on first touch). */
  pod: GpfnArray;
  /** PV only: the guest's own p2m (gpfn to frame, or UNBACKED = INVALID_P2M_ENTRY). */
  guestP2m: GpfnArray | null;
}

/**
 * A Xen guest: the world's view (core/world.ts) and Xen's own part. Its `target` is target_pages
 * and its `actual` current_pages, memory sizes where virtio's are balloon sizes
 * (docs/ARCHITECTURE.md, where the seam is still rough).
 */
export interface XenGuestObservation extends WorldGuestObservation {
  xen: XenGuestPart;
}

export interface XenObservation extends WorldObservation<XenGuestObservation> {
  /** The virtual clock, in seconds. */
  xen: { now: number };
}
