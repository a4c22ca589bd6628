/**
 * The abstraction function of Hyper-V conformance: what of an implementation's observation the
 * charts predict, and the same fields read off the charts.
 */
import type { HvGuestObservation } from '../../core/hyperv/index.ts';
import type { HvGuestContext, HvHostContext } from './context.ts';

export interface HvAbstractGuest {
  phase: string; unballooning: boolean; free: number; used: number; ballooned: number; onlined: number;
  host: string; target: number; actual: number;
}

export function abstractHvObservation(g: HvGuestObservation): HvAbstractGuest {
  const h = g.hv;
  return {
    phase: h.phase, unballooning: h.unballoonTrans !== null, free: g.counts.free, used: g.counts.used, ballooned: h.ballooned, onlined: h.onlined,
    host: !h.host.ready ? 'negotiating' : h.host.outstanding ? h.host.outstanding.type : 'idle', target: g.target, actual: g.actual,
  };
}

const HOST_STATE: Record<string, string> = { idle: 'idle', ballooning: 'balloon', unballooning: 'unballoon', hotAdding: 'hot-add' };

/** The charts' view: state values are 'version' | 'caps' | 'failed' | { ready: 'idle' | 'unballooning' } and 'negotiating' | { ready: … }. */
export function projectHvCharts(gv: unknown, g: HvGuestContext, hv: unknown, h: HvHostContext): HvAbstractGuest {
  const phase = typeof gv === 'string' ? gv : 'ready';
  const unballooning = typeof gv === 'object' && gv !== null && (gv as { ready?: string }).ready === 'unballooning';
  const host = typeof hv === 'string' ? hv : HOST_STATE[(hv as { ready: string }).ready] ?? 'idle';
  return { phase, unballooning, free: g.free, used: g.used, ballooned: g.ballooned, onlined: g.onlined, host, target: h.target, actual: h.actual };
}

export function diffHvAbstract(impl: HvAbstractGuest, model: HvAbstractGuest): string[] {
  const out: string[] = [];
  for (const k of Object.keys(model) as (keyof HvAbstractGuest)[]) if (impl[k] !== model[k]) out.push(`${k}: implementation ${impl[k]}, model ${model[k]}`);
  return out;
}
