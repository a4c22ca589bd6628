import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The shape of the driver's own hypercalls (the Xen half of "requests well formed"): extent order
 * 0, at most one batch (a page of xen_pfn_t), no gpfn twice, every gpfn RAM of the domain; a
 * decrease of the driver's is done whole (Linux: BUG_ON(ret != nr_pages)).
 */
export const xenRequestsWellFormed: XenProperty = {
  name: 'xen-requests-well-formed',
  kind: 'always',
  doc: 'driver hypercalls: order 0, at most a batch, no duplicates, RAM gpfns only; decreases done whole',
  refs: 'Linux drivers/xen/balloon.c frame_list, increase_reservation, decrease_reservation; xen/include/public/memory.h xen_memory_reservation',
  monitor: (config) => stateless({
    step({ result }) {
      for (const e of result.effects) {
        if (e.kind !== 'hypercall' || e.origin !== 'driver') continue;
        const g = e.guest;
        // public/memory.h: the driver's two reservation ops (XENMEM_decrease_reservation, XENMEM_populate_physmap).
        if (e.op !== 'decrease' && e.op !== 'populate') return { message: `guest ${g}'s balloon driver issued a memory op named ${JSON.stringify(e.op)}, neither decrease nor populate`, guest: g };
        if (e.order !== 0) return { message: `guest ${g}'s balloon driver issued a ${e.op} of order ${e.order}`, guest: g };
        if (e.gpfns.length > config.batchGpfns) return { message: `guest ${g}'s balloon driver issued a ${e.op} of ${e.gpfns.length} gpfns, more than a batch of ${config.batchGpfns}`, guest: g };
        if (new Set(e.gpfns).size !== e.gpfns.length) return { message: `guest ${g}'s balloon driver named a gpfn twice in one ${e.op}`, guest: g };
        if (e.refused.length > 0) return { message: `Xen refused gpfn ${e.refused[0].gpfn} of guest ${g}'s own ${e.op} (${e.refused[0].code})`, guest: g, gpfn: e.refused[0].gpfn };
        if (e.op === 'decrease' && !e.preempted && e.done !== e.gpfns.length) return { message: `a decrease of ${e.gpfns.length} gpfns by guest ${g}'s driver was done for ${e.done}`, guest: g };
      }
      return null;
    },
  }),
};
