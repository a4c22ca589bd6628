/**
 * What a step did, as data. Checkers read effects to check only what changed (so the cost of a
 * step does not grow with memory size); the model reads them to follow the protocol.
 */
import type { QueueName } from './commands.ts';
import type { ErrorCode } from './errors.ts';
import type { Frame, Gpfn, GuestId } from './ids.ts';

export type BufferOrigin = 'driver' | 'oom' | 'hostile';
export interface Refusal { gpfn: number; code: ErrorCode }

export type Effect =
  | { kind: 'frame-mapped'; guest: GuestId; gpfn: Gpfn; frame: Frame }
  | { kind: 'frame-released'; guest: GuestId; gpfn: Gpfn; frame: Frame }
  | { kind: 'target-set'; guest: GuestId; requested: number; target: number }
  | { kind: 'buffer-queued'; guest: GuestId; queue: QueueName; id: number; origin: BufferOrigin; gpfns: readonly number[] }
  | { kind: 'buffer-processed'; guest: GuestId; queue: QueueName; id: number; accepted: readonly Gpfn[]; refused: readonly Refusal[] }
  | { kind: 'ack-consumed'; guest: GuestId; queue: QueueName; id: number }
  | { kind: 'actual-written'; guest: GuestId; actual: number }
  | { kind: 'pages-allocated'; guest: GuestId; gpfns: readonly Gpfn[] }
  | { kind: 'pages-freed'; guest: GuestId; gpfns: readonly Gpfn[] }
  | { kind: 'wrote'; guest: GuestId; gpfn: Gpfn; token: number }
  | { kind: 'read'; guest: GuestId; gpfn: Gpfn; value: number }
  | { kind: 'out-of-puff'; guest: GuestId }
  | { kind: 'reset'; guest: GuestId };

export type EffectKind = Effect['kind'];
export const effectKinds: readonly EffectKind[] = [
  'frame-mapped', 'frame-released', 'target-set', 'buffer-queued', 'buffer-processed', 'ack-consumed',
  'actual-written', 'pages-allocated', 'pages-freed', 'wrote', 'read', 'out-of-puff', 'reset',
];

/** The result of applying one command: accepted, or refused with a stable code; effects either way. */
export type StepResult =
  | { outcome: 'accepted'; effects: Effect[] }
  | { outcome: 'refused'; code: ErrorCode; message: string; effects: Effect[] };
