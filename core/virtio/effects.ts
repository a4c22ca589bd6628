/**
 * What a step did, as data. Checkers read effects to check only what changed (so the cost of a
 * step does not grow with memory size); the model reads them to follow the protocol.
 */
import type { QueueName } from './commands.ts';
import type { ErrorCode } from './errors.ts';
import type { Gpfn, GuestId } from '../ids.ts';
import type { StepResult as WorldStepResult, WorldEffect } from '../world.ts';

export type BufferOrigin = 'driver' | 'oom' | 'hostile';
export interface Refusal { gpfn: number; code: ErrorCode }

/** The world's effects (core/world.ts) and virtio's own: a buffer queued, processed, its ack consumed. */
export type Effect =
  | WorldEffect
  | { kind: 'buffer-queued'; guest: GuestId; queue: QueueName; id: number; origin: BufferOrigin; gpfns: readonly number[] }
  | { kind: 'buffer-processed'; guest: GuestId; queue: QueueName; id: number; accepted: readonly Gpfn[]; refused: readonly Refusal[] }
  | { kind: 'ack-consumed'; guest: GuestId; queue: QueueName; id: number }
  /**
   * A poisoning guest (PAGE_POISON) checked the poison of pages it allocates, as Linux does on
   * allocation (check_poison_mem): what each gpfn held, before the allocation zero-filled it.
   */
  | { kind: 'poison-checked'; guest: GuestId; gpfns: readonly Gpfn[]; values: readonly number[] };

export type EffectKind = Effect['kind'];
export const effectKinds: readonly EffectKind[] = [
  'frame-mapped', 'frame-released', 'target-set', 'buffer-queued', 'buffer-processed', 'ack-consumed',
  'actual-written', 'pages-allocated', 'pages-freed', 'wrote', 'read', 'out-of-puff', 'reset', 'poison-checked',
];

/** The result of applying one command: accepted, or refused with a stable code; effects either way. */
export type StepResult = WorldStepResult<Effect, ErrorCode>;
