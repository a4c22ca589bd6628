/**
 * The observation of a whole system: what every checker reads. Arrays are indexed by frame or by
 * gpfn so that an incremental check is one lookup; an implementation may hand out live views (the
 * reference one does), so a checker must not keep them across steps.
 */
import type { VirtioFeatures } from './config.ts';
import type { QueueName } from './commands.ts';
import type { BufferOrigin } from './effects.ts';
import type { WorldGuestObservation, WorldObservation } from '../world.ts';
import type { HintObservation } from './hinting.ts';

export interface BufferObservation {
  id: number;
  queue: QueueName;
  origin: BufferOrigin;
  gpfns: readonly number[];
  /**
   * A stats buffer's payload as the driver wrote it (core/virtio/stats.ts: 10-byte entries, le16
   * tag, le64 value). Absent on other queues, and from an implementation that does not show it:
   * then statements 28-34 are not judged (properties/virtio/stats-entries.ts).
   */
  bytes?: readonly number[];
  /** The device has processed and returned the buffer; the driver has not consumed the ack yet. */
  acked: boolean;
}

/** A virtio guest: the world's view (core/world.ts) plus the negotiated features and the queues. */
export interface GuestObservation extends WorldGuestObservation {
  features: VirtioFeatures;
  /** Buffers on the queues, oldest first, including acknowledged ones not yet consumed. */
  inflight: readonly BufferObservation[];
  /** With FREE_PAGE_HINT: the hinting pool, the command id and free_page_vq (core/virtio/hinting.ts). */
  hinting?: HintObservation;
}

export type Observation = WorldObservation<GuestObservation>;
