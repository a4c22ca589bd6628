import { gpfnSpace, isRam, UNBACKED } from '../../../core/index.ts';
import type { XenErrorCode, XenGuestConfig, XenGuestObservation } from '../../../core/xen/index.ts';
import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The refusal codes that name a true reason why the request's first extent is bad
 * (core/xen/errors.ts gives each code's meaning, after the checks of xen/common/memory.c): the
 * PoD flag from a guest, an order above the maximum, a base past the domain's end or off its
 * extent's alignment, an extent reaching past the end or into the MMIO hole, a decrease of a
 * gpfn that holds no page, a populate of one that does. Several may hold at once; which of them
 * a hypervisor checks first is its own, so any of them is a legal answer. Read on the
 * observation after the step, which a refused request leaves as it was (checked first).
 */
function trueReasons(op: string, order: number, base: number, pod: boolean, maxOrder: number, cfg: XenGuestConfig, g: XenGuestObservation): Set<XenErrorCode> {
  const why = new Set<XenErrorCode>();
  if (pod) why.add('xen/pod-not-permitted');
  if (!Number.isInteger(order) || order < 0 || order > maxOrder) { why.add('xen/extent-order'); return why; }
  const space = gpfnSpace(cfg);
  if (!Number.isInteger(base) || base < 0 || base >= space) { why.add('xen/gpfn-out-of-range'); return why; }
  const size = 2 ** order;
  if (base % size !== 0) why.add('xen/misaligned-extent');
  const start = base - (base % size);
  if (start + size > space) why.add('xen/gpfn-out-of-range');
  for (let n = start; n < Math.min(start + size, space); n++) {
    if (!isRam(cfg, n)) { why.add('xen/not-ram'); continue; }
    const held = g.p2m[n] !== UNBACKED || g.xen.pod[n] === 1;
    if (op === 'decrease' && !held) why.add('xen/not-populated');
    if (op === 'populate' && held) why.add('xen/already-populated');
  }
  return why;
}

/**
 * docs/INVARIANTS.md invariant 7 in Xen's words: a malformed memory op (misaligned extent, order
 * above the maximum, a gpfn of another domain, one already given back, the MMIO hole, a populate
 * of a backed gpfn, a PoD populate from the guest) is refused and changes nothing: the hypercall
 * reports no extent done and a refusal, no frame moves, the domain's counts and PoD state stay.
 */
export const xenBadRequestsChangeNothing: XenProperty = {
  name: 'xen-bad-requests-change-nothing',
  kind: 'always',
  doc: 'a hostile memory op does no extent, is refused with a code naming a true reason, and changes no frame, count or PoD entry',
  refs: 'docs/INVARIANTS.md invariant 7; xen/common/memory.c (order limit XSA-31/158, alignment XSA-388, PoD flag 2a99aa99fc)',
  monitor: (config) => stateless({
    step({ command, result, obs, before }) {
      if (command.kind !== 'hostile' || result.outcome !== 'accepted') return null;
      const g = command.guest;
      const hc = result.effects.find((e) => e.kind === 'hypercall');
      if (!hc || hc.kind !== 'hypercall') return { message: `a hostile ${command.request} request of guest ${g} reached no hypercall`, guest: g };
      if (hc.done !== 0) return { message: `Xen did ${hc.done} extent(s) of a hostile ${command.request} request of guest ${g} (order ${hc.order}, gpfns ${hc.gpfns.slice(0, 4).join(', ')})`, guest: g };
      if (hc.refused.length === 0) return { message: `Xen did not refuse a hostile ${command.request} request of guest ${g}`, guest: g };
      const moved = result.effects.find((e) => e.kind === 'frame-released' || e.kind === 'frame-mapped');
      if (moved && (moved.kind === 'frame-released' || moved.kind === 'frame-mapped')) return { message: `a hostile ${command.request} request of guest ${g} ${moved.kind === 'frame-released' ? 'released' : 'mapped'} frame ${moved.frame} at gpfn ${moved.gpfn} of guest ${moved.guest}`, guest: moved.guest, gpfn: moved.gpfn, frame: moved.frame };
      const x = obs.guests[g].xen;
      if (x.podEntries !== before.podEntries || x.podCache !== before.podCache) return { message: `a hostile ${command.request} request of guest ${g} moved its PoD entries ${before.podEntries} -> ${x.podEntries}, cache ${before.podCache} -> ${x.podCache}`, guest: g };
      if (obs.guests[g].actual !== before.current || obs.host.freeFrames !== before.hostFree) return { message: `a hostile ${command.request} request of guest ${g} changed its pages or the host's free frames`, guest: g };
      // A refused op returns at once: nothing to continue (memory.c: no hypercall continuation).
      if (hc.preempted) return { message: `Xen refused a hostile ${command.request} request of guest ${g} and reported it preempted`, guest: g };
      // The refusal names a gpfn of the extent where Xen stopped, the first (memory.c stops there).
      const at = hc.refused[0].gpfn;
      const size = Number.isInteger(hc.order) && hc.order >= 0 && hc.order <= config.maxExtentOrder ? 2 ** hc.order : 1;
      const base = hc.gpfns[0];
      if (hc.gpfns.length > 0 && at !== base && !(at >= base - (base % size) && at < base - (base % size) + size)) {
        return { message: `Xen refused a hostile ${command.request} request of guest ${g} at gpfn ${at}, outside its first extent (gpfn ${base}, order ${hc.order})`, guest: g, gpfn: at };
      }
      // The code says why (issue #14 item 3): one of the true reasons the first extent is bad.
      const code = hc.refused[0].code;
      const why = hc.gpfns.length > 0 ? trueReasons(hc.op, hc.order, hc.gpfns[0], command.req?.pod === true, config.maxExtentOrder, config.guests[g], obs.guests[g]) : null;
      if (why && !why.has(code)) return { message: `Xen refused a hostile ${command.request} request of guest ${g} (${hc.op}, order ${hc.order}, first gpfn ${hc.gpfns[0]}) with ${code || '(no code)'}; the true reasons are ${[...why].join(', ') || 'none'}`, guest: g };
      return null;
    },
  }),
};
