/**
 * The abstraction function of the conformance check: what of an implementation's observation the
 * model predicts, and the same fields read off a model context. Only O(1) fields (and the few
 * in-flight buffers) per step; the host's balloon count, which costs a pass over the guest's
 * gpfns, is compared in the periodic audit.
 */
import type { GuestObservation, QueueName } from '../../core/virtio/index.ts';
import type { GuestModelContext } from './context.ts';

export interface AbstractGuest {
  target: number;
  actual: number;
  /** The driver's balloon: acknowledged gpfns, and gpfns on their way in and out. */
  ballooned: number;
  inflating: number;
  deflating: number;
  free: number;
  used: number;
  /** Buffers in flight per queue (acknowledged or not), and how many of them the device returned. */
  inflate: number;
  deflate: number;
  stats: number;
  reporting: number;
  acked: number;
}

const QUEUES: readonly QueueName[] = ['inflate', 'deflate', 'stats', 'reporting'];

/** A blank abstraction, every field 0 (also the list of fields: `sameAbstract` walks its keys). */
export const blankAbstract = (): AbstractGuest => ({ target: 0, actual: 0, ballooned: 0, inflating: 0, deflating: 0, free: 0, used: 0, inflate: 0, deflate: 0, stats: 0, reporting: 0, acked: 0 });
const FIELDS = Object.keys(blankAbstract()) as (keyof AbstractGuest)[];

function fill(
  into: AbstractGuest, target: number, actual: number, c: Pick<AbstractGuest, 'ballooned' | 'inflating' | 'deflating' | 'free' | 'used'>,
  bufs: readonly { queue: QueueName; acked: boolean }[],
): AbstractGuest {
  into.target = target; into.actual = actual;
  into.ballooned = c.ballooned; into.inflating = c.inflating; into.deflating = c.deflating; into.free = c.free; into.used = c.used;
  into.inflate = 0; into.deflate = 0; into.stats = 0; into.reporting = 0; into.acked = 0;
  for (const b of bufs) { into[b.queue]++; if (b.acked) into.acked++; }
  return into;
}

/**
 * The abstraction of one guest's observation (the implementation side), in `into` when given (the
 * per-step check reuses one object: conformance.ts).
 */
export function abstractObservation(g: GuestObservation, into: AbstractGuest = blankAbstract()): AbstractGuest {
  return fill(into, g.target, g.actual, g.counts, g.inflight);
}

/** The same fields as the model predicts them, in `into` when given. */
export function projectContext(c: GuestModelContext, into: AbstractGuest = blankAbstract()): AbstractGuest {
  return fill(into, c.target, c.actual, c, c.inflight);
}

/** Whether the two agree on every field (what `diffAbstract` finds empty), allocating nothing. */
export function sameAbstract(impl: AbstractGuest, model: AbstractGuest): boolean {
  for (const k of FIELDS) if (impl[k] !== model[k]) return false;
  return true;
}

/** Fields that differ, as `name: impl X, model Y`; empty when they agree. */
export function diffAbstract(impl: AbstractGuest, model: AbstractGuest): string[] {
  const out: string[] = [];
  for (const k of Object.keys(model) as (keyof AbstractGuest)[]) {
    if (impl[k] !== model[k]) out.push(`${QUEUES.includes(k as QueueName) ? `${k}q in flight` : k === 'acked' ? 'acknowledged buffers' : k}: implementation ${impl[k]}, model ${model[k]}`);
  }
  return out;
}

/** Gpfns the device holds in the balloon: one pass over the guest's gpfns (audit only). */
export function hostBalloonSize(g: GuestObservation): number {
  let n = 0;
  const h = g.hostBallooned;
  for (let i = 0; i < h.length; i++) n += h[i];
  return n;
}
