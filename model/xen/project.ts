/**
 * The abstraction function of Xen conformance: what of an implementation's observation the charts
 * predict (balloon_stats, the allocator's counts, the thread's schedule, PoD counts), and the
 * same fields read off the charts' contexts.
 */
import type { XenGuestObservation } from '../../core/xen/index.ts';
import type { XenHypervisorContext, XenThreadContext } from './context.ts';

export interface XenAbstractGuest {
  target: number; current: number; list: number; lent: number; free: number; used: number;
  state: string; delay: number; retries: number; podEntries: number; podCache: number;
}

export function abstractXenObservation(g: XenGuestObservation): XenAbstractGuest {
  const x = g.xen;
  return {
    target: g.target, current: g.actual, list: x.balloonLow + x.balloonHigh, lent: x.lent, free: g.counts.free, used: g.counts.used,
    state: x.thread.inHypercall ? 'in a hypercall' : x.thread.state, delay: x.thread.delay, retries: x.thread.retries,
    podEntries: x.podEntries, podCache: x.podCache,
  };
}

export function projectXenContexts(t: XenThreadContext, h: XenHypervisorContext, chartState: string): XenAbstractGuest {
  return {
    target: t.target, current: t.current, list: t.list, lent: t.lent, free: t.free, used: t.used,
    state: chartState, delay: t.delay, retries: t.retries, podEntries: h.podEntries, podCache: h.podCache,
  };
}

export function diffXenAbstract(impl: XenAbstractGuest, model: XenAbstractGuest): string[] {
  const out: string[] = [];
  for (const k of Object.keys(model) as (keyof XenAbstractGuest)[]) {
    if (impl[k] !== model[k]) out.push(`${k}: implementation ${impl[k]}, model ${model[k]}`);
  }
  return out;
}
