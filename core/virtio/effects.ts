/**
 * What a step did, as data. Checkers read effects to check only what changed (so the cost of a
 * step does not grow with memory size); the model reads them to follow the protocol.
 */
import type { QueueName } from './commands.ts';
import type { VirtioFeatures } from './config.ts';
import type { ErrorCode } from './errors.ts';
import type { StatRecord } from './stats.ts';
import type { Gpfn, GuestId } from '../ids.ts';
import type { StepResult as WorldStepResult, WorldEffect } from '../world.ts';
import type { HintEffect } from './hinting.ts';

export type BufferOrigin = 'driver' | 'oom' | 'hostile';
export interface Refusal { gpfn: number; code: ErrorCode }

/** The world's effects (core/world.ts) and virtio's own: a buffer queued, processed, its ack consumed. */
export type Effect =
  | WorldEffect
  | { kind: 'buffer-queued'; guest: GuestId; queue: QueueName; id: number; origin: BufferOrigin; gpfns: readonly number[] }
  /** `stats`: on the stats queue, the statistics the device recorded from the buffer, in its order (5.5.6.3.2). */
  | { kind: 'buffer-processed'; guest: GuestId; queue: QueueName; id: number; accepted: readonly Gpfn[]; refused: readonly Refusal[]; stats?: readonly StatRecord[] }
  | { kind: 'ack-consumed'; guest: GuestId; queue: QueueName; id: number }
  /**
   * A poisoning guest (PAGE_POISON) checked the poison of pages it allocates, as Linux does on
   * allocation (check_poison_mem): what each gpfn held, before the allocation zero-filled it.
   */
  | { kind: 'poison-checked'; guest: GuestId; gpfns: readonly Gpfn[]; values: readonly number[] }
  /**
   * The driver set a bit of the device status (VIRTIO 1.2 3.1.1, the initialization sequence):
   * FEATURES_OK once the features are negotiated, DRIVER_OK once the device is set up. A reset
   * clears the status; the reloaded driver sets both again.
   */
  | {
    kind: 'device-status'; guest: GuestId; status: DeviceStatusBit;
    /**
     * With FEATURES_OK (optional: an implementation that does not say is taken to accept what
     * the configuration offers): what the device offered and what the driver accepted
     * (core/virtio/negotiation.ts; VIRTIO 1.2 3.1.1 steps 3 and 4).
     */
    offered?: VirtioFeatures; accepted?: VirtioFeatures;
  }
  /**
   * The device did not keep FEATURES_OK set: it refuses the subset the driver accepted (VIRTIO 1.2
   * 3.1.1 step 6; 5.5.3.2 statement 4). The driver must not set DRIVER_OK on it; it may start over.
   */
  | { kind: 'features-refused'; guest: GuestId }
  /** The driver wrote `poison_val` into the device's configuration (PAGE_POISON, 5.5.6.6.1). */
  | { kind: 'poison-written'; guest: GuestId; value: number }
  /**
   * What one `hint` command did on the guest's free page hinting (5.5.6.5), in the words of
   * core/virtio/hinting.ts: ids written, buffers queued and served, pages dropped and given back,
   * and the guest program on the hinting pool.
   */
  | { kind: 'hinting'; guest: GuestId; effects: readonly HintEffect[] };

/** The device status bits the driver sets during initialization (VIRTIO 1.2 2.1, 3.1.1). */
export type DeviceStatusBit = 'features-ok' | 'driver-ok';

export type EffectKind = Effect['kind'];
export const effectKinds: readonly EffectKind[] = [
  'frame-mapped', 'frame-released', 'target-set', 'buffer-queued', 'buffer-processed', 'ack-consumed',
  'actual-written', 'pages-allocated', 'pages-freed', 'wrote', 'read', 'out-of-puff', 'reset', 'poison-checked',
  'device-status', 'poison-written', 'features-refused', 'hinting',
];

/** The result of applying one command: accepted, or refused with a stable code; effects either way. */
export type StepResult = WorldStepResult<Effect, ErrorCode>;
