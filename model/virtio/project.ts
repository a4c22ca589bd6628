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

function countQueues(bufs: readonly { queue: QueueName; acked: boolean }[], into: AbstractGuest): AbstractGuest {
  for (const b of bufs) { into[b.queue]++; if (b.acked) into.acked++; }
  return into;
}

/** The abstraction of one guest's observation (the implementation side). */
export function abstractObservation(g: GuestObservation): AbstractGuest {
  const c = g.counts;
  return countQueues(g.inflight, {
    target: g.target, actual: g.actual, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating,
    free: c.free, used: c.used, inflate: 0, deflate: 0, stats: 0, reporting: 0, acked: 0,
  });
}

/** The same fields as the model predicts them. */
export function projectContext(c: GuestModelContext): AbstractGuest {
  return countQueues(c.inflight, {
    target: c.target, actual: c.actual, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating,
    free: c.free, used: c.used, inflate: 0, deflate: 0, stats: 0, reporting: 0, acked: 0,
  });
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
