/**
 * The queues between driver and device. A buffer stays on its queue from the moment the driver
 * adds it until the driver consumes the device's acknowledgement, so the in-flight set is
 * exactly what an observer sees (VIRTIO 2.7: available ring, then used ring).
 */
import type { BufferObservation, BufferOrigin, QueueName } from '../../core/virtio/index.ts';

export interface Buffer extends BufferObservation {
  acked: boolean;
}

export class VirtQueues {
  /** All buffers of all queues of one guest, oldest first. */
  readonly buffers: Buffer[] = [];
  private nextId = 1;

  /** `bytes`: a stats buffer's payload (core/virtio/stats.ts). */
  add(queue: QueueName, origin: BufferOrigin, gpfns: readonly number[], bytes?: readonly number[]): Buffer {
    const b: Buffer = bytes ? { id: this.nextId++, queue, origin, gpfns, bytes, acked: false } : { id: this.nextId++, queue, origin, gpfns, acked: false };
    this.buffers.push(b);
    return b;
  }

  /** The oldest buffer on `queue` the device has not processed yet. */
  nextForDevice(queue: QueueName): Buffer | undefined {
    return this.buffers.find((b) => b.queue === queue && !b.acked);
  }

  /** The oldest acknowledged buffer, which the driver consumes next. */
  nextAck(): Buffer | undefined {
    return this.buffers.find((b) => b.acked);
  }

  /** A buffer of the driver's own (not hostile) still waiting on `queue`. */
  pending(queue: QueueName): Buffer | undefined {
    return this.buffers.find((b) => b.queue === queue && b.origin !== 'hostile');
  }

  remove(b: Buffer): void {
    const i = this.buffers.indexOf(b);
    if (i >= 0) this.buffers.splice(i, 1);
  }

  clear(): void { this.buffers.length = 0; }
}
