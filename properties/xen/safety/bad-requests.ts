import type { XenProperty } from '../property.ts';

/**
 * docs/INVARIANTS.md invariant 7 in Xen's words: a malformed memory op (misaligned extent, order
 * above the maximum, a gpfn of another domain, one already given back, the MMIO hole, a populate
 * of a backed gpfn, a PoD populate from the guest) is refused and changes nothing: the hypercall
 * reports no extent done and a refusal, no frame moves, the domain's counts and PoD state stay.
 */
export const xenBadRequestsChangeNothing: XenProperty = {
  name: 'xen-bad-requests-change-nothing',
  kind: 'always',
  doc: 'a hostile memory op does no extent, is refused with a code, and changes no frame, count or PoD entry',
  refs: 'docs/INVARIANTS.md invariant 7; xen/common/memory.c (order limit XSA-31/158, alignment XSA-388, PoD flag 2a99aa99fc)',
  monitor: () => ({
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
      return null;
    },
  }),
};
