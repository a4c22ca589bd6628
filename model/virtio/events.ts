/**
 * The events of the virtio-balloon charts, and how a step of an implementation becomes events.
 * Most events are the implementation's effects (core/virtio/effects.ts) with gpfn lists reduced to
 * sizes; four are command-level, for steps whose *absence* of effects the model must judge:
 * DRIVER_IDLE (a driver step that did nothing), DEVICE_IDLE (a device step that found no buffer), ALLOC_FAILED (an allocation refused as out of
 * memory, which arms the OOM deflate) and STEP_DONE (the end of such a step).
 */
import { formatFeatures, type BufferOrigin, type Command, type QueueName, type StepResult, type VirtioFeatures } from '../../core/virtio/index.ts';

export type GuestEvent =
  | { type: 'TARGET_SET'; requested: number; target: number }
  | { type: 'BUFFER_QUEUED'; queue: QueueName; id: number; origin: BufferOrigin; size: number }
  | { type: 'BUFFER_PROCESSED'; queue: QueueName; id: number; accepted: number; refused: number }
  | { type: 'ACK_CONSUMED'; queue: QueueName; id: number }
  /** Deflated gpfns handed back to the allocator after their acknowledgement (effect `pages-freed` in a driver step). */
  | { type: 'PAGES_REUSED'; size: number }
  | { type: 'ACTUAL_WRITTEN'; actual: number }
  | { type: 'PAGES_ALLOCATED'; size: number }
  /** A guest program freed used pages (effect `pages-freed` in a `free` step). */
  | { type: 'PAGES_FREED'; size: number }
  | { type: 'ALLOC_FAILED'; pages: number }
  | { type: 'OUT_OF_PUFF' }
  | { type: 'DRIVER_IDLE' }
  /** A device step found no buffer to serve on `queue` (refused `device/queue-empty`). */
  | { type: 'DEVICE_IDLE'; queue: QueueName }
  | { type: 'RESET' }
  /** The driver set FEATURES_OK, DRIVER_OK, or wrote poison_val (model/virtio/lifecycle.ts). */
  /**
   * With what the device offered and the driver accepted, when the implementation says
   * (core/virtio/negotiation.ts); without them, the features the chart already holds.
   */
  | { type: 'FEATURES_OK'; offered?: VirtioFeatures; accepted?: VirtioFeatures }
  /** The device refused the FEATURES_OK just set (VIRTIO 1.2 3.1.1 step 6; 5.5.3.2 statement 4). */
  | { type: 'FEATURES_REFUSED' }
  | { type: 'POISON_WRITTEN'; value: number }
  | { type: 'DRIVER_OK' }
  | { type: 'STEP_DONE' };

export type GuestEventType = GuestEvent['type'];

/**
 * The events of one step, for the command's guest, in order. Effects of other kinds (frames,
 * reads and writes) are the invariant checkers' business, not the protocol's.
 *
 * @example
 *   stepEvents({ kind: 'driver', guest }, { outcome: 'accepted', effects: [] }) // [{ type: 'DRIVER_IDLE' }]
 */
export function stepEvents(command: Command, result: StepResult): GuestEvent[] {
  const out: GuestEvent[] = [];
  const oom = command.kind === 'alloc' && result.outcome === 'refused' && result.code === 'guest/oom' && command.pages >= 1;
  if (oom) out.push({ type: 'ALLOC_FAILED', pages: command.pages });
  for (const e of result.effects) {
    if (e.guest !== command.guest) continue;
    switch (e.kind) {
      case 'target-set': out.push({ type: 'TARGET_SET', requested: e.requested, target: e.target }); break;
      case 'buffer-queued': out.push({ type: 'BUFFER_QUEUED', queue: e.queue, id: e.id, origin: e.origin, size: e.gpfns.length }); break;
      case 'buffer-processed': out.push({ type: 'BUFFER_PROCESSED', queue: e.queue, id: e.id, accepted: e.accepted.length, refused: e.refused.length }); break;
      case 'ack-consumed': out.push({ type: 'ACK_CONSUMED', queue: e.queue, id: e.id }); break;
      case 'actual-written': out.push({ type: 'ACTUAL_WRITTEN', actual: e.actual }); break;
      case 'pages-allocated': out.push({ type: 'PAGES_ALLOCATED', size: e.gpfns.length }); break;
      case 'pages-freed': out.push(command.kind === 'free' ? { type: 'PAGES_FREED', size: e.gpfns.length } : { type: 'PAGES_REUSED', size: e.gpfns.length }); break;
      case 'out-of-puff': out.push({ type: 'OUT_OF_PUFF' }); break;
      case 'reset': out.push({ type: 'RESET' }); break;
      case 'device-status':
        if (e.status === 'driver-ok') out.push({ type: 'DRIVER_OK' });
        else out.push({ type: 'FEATURES_OK', ...(e.offered ? { offered: e.offered } : {}), ...(e.accepted ? { accepted: e.accepted } : {}) });
        break;
      case 'features-refused': out.push({ type: 'FEATURES_REFUSED' }); break;
      case 'poison-written': out.push({ type: 'POISON_WRITTEN', value: e.value }); break;
      default: break;
    }
  }
  if (command.kind === 'driver' && out.length === 0) out.push({ type: 'DRIVER_IDLE' });
  if (command.kind === 'device' && result.outcome === 'refused' && result.effects.length === 0) out.push({ type: 'DEVICE_IDLE', queue: command.queue });
  if (oom) out.push({ type: 'STEP_DONE' });
  return out;
}

/** One event as a short line: `BUFFER_QUEUED inflate #4 driver 8`. */
export function formatEvent(e: GuestEvent): string {
  switch (e.type) {
    case 'TARGET_SET': return `TARGET_SET ${e.target} (asked ${e.requested})`;
    case 'BUFFER_QUEUED': return `BUFFER_QUEUED ${e.queue} #${e.id} ${e.origin} ${e.size} gpfns`;
    case 'BUFFER_PROCESSED': return `BUFFER_PROCESSED ${e.queue} #${e.id} accepted ${e.accepted} refused ${e.refused}`;
    case 'ACK_CONSUMED': return `ACK_CONSUMED ${e.queue} #${e.id}`;
    case 'PAGES_REUSED': case 'PAGES_ALLOCATED': case 'PAGES_FREED': return `${e.type} ${e.size} gpfns`;
    case 'ACTUAL_WRITTEN': return `ACTUAL_WRITTEN ${e.actual}`;
    case 'ALLOC_FAILED': return `ALLOC_FAILED ${e.pages} pages`;
    case 'DEVICE_IDLE': return `DEVICE_IDLE ${e.queue}`;
    case 'FEATURES_OK': return e.accepted ? `FEATURES_OK accepted ${formatFeatures(e.accepted)}${e.offered ? ` of ${formatFeatures(e.offered)}` : ''}` : 'FEATURES_OK';
    case 'POISON_WRITTEN': return `POISON_WRITTEN 0x${(e.value >>> 0).toString(16)}`;
    default: return e.type;
  }
}
