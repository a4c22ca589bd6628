/**
 * The hypervisor's side of the example: XENMEM_decrease_reservation and XENMEM_populate_physmap
 * as one function. The checks follow xen/common/memory.c as docs/families/xen.md summarises it:
 * the PoD flag is the toolstack's alone, the extent order is capped, then extent by extent the
 * gpfn must be aligned, in range, RAM, and hold a page (decrease) or none (populate); the op stops
 * at the first bad extent and returns how many it did. A populate also stops when the host has no
 * frame to give (or the workload's grant is used up).
 */
import { frame, gpfn, guestId } from '../../core/index.ts';
import type { XenEffect, XenErrorCode, XenRefusal, XenRequest } from '../../core/xen/index.ts';
import type { Domain } from './domain.ts';

export interface OpHost {
  maxOrder: number;
  /** Frames a populate may take: free frames not claimed by any PoD cache. */
  available(): number;
}

/** Run one memory op of `d` and report it (frame effects, then the hypercall effect); the extents done. */
export function memoryOp(host: OpHost, d: Domain, req: XenRequest, origin: 'driver' | 'hostile', grant: number | undefined, out: XenEffect[]): number {
  const refused: XenRefusal[] = [];
  const done = run(host, d, req, grant, out, (n, code) => refused.push({ gpfn: n, code }));
  out.push({ kind: 'hypercall', guest: guestId(d.id), op: req.op, origin, order: req.order, gpfns: [...req.gpfns], done, refused, preempted: false });
  return done;
}

function run(host: OpHost, d: Domain, req: XenRequest, grant: number | undefined, out: XenEffect[], refuse: (n: number, code: XenErrorCode) => void): number {
  const first = req.gpfns[0] ?? 0;
  if (req.pod) { refuse(first, 'xen/pod-not-permitted'); return 0; }
  if (!Number.isInteger(req.order) || req.order < 0 || req.order > host.maxOrder) { refuse(first, 'xen/extent-order'); return 0; }
  const size = 2 ** req.order;
  const g = guestId(d.id);
  let done = 0;
  for (const base of req.gpfns) {
    const bad = badExtent(d, base, size, req.op);
    if (bad) { refuse(bad.at, bad.code); return done; }
    if (req.op === 'decrease') {
      for (let n = base; n < base + size; n++) {
        if (d.pod[n]) {
          d.pod[n] = 0; d.podEntries--;
          // p2m-pod.c, the end of p2m_pod_decrease_reservation: a cache above the entries left shrinks to them.
          if (d.podCache > d.podEntries) d.podCache = d.podEntries;
        } else {
          const f = d.unback(n);
          out.push({ kind: 'frame-released', guest: g, gpfn: gpfn(n), frame: frame(f) });
          // xen/arch/x86/mm/p2m-pod.c: while PoD entries outnumber the cache, a freed page refills it.
          if (d.podEntries > d.podCache) d.podCache++;
        }
        d.givenBack[n] = 1;
      }
    } else {
      if ((grant !== undefined && done >= grant) || host.available() < size) return done;
      for (let n = base; n < base + size; n++) {
        const f = d.back(n);
        out.push({ kind: 'frame-mapped', guest: g, gpfn: gpfn(n), frame: frame(f) });
      }
    }
    done++;
  }
  return done;
}

/** Why the extent at `base` cannot be done, and at which gpfn; null when it can. */
function badExtent(d: Domain, base: number, size: number, op: 'decrease' | 'populate'): { at: number; code: XenErrorCode } | null {
  if (!Number.isInteger(base) || base < 0 || base >= d.space) return { at: base, code: 'xen/gpfn-out-of-range' };
  if (base % size !== 0) return { at: base, code: 'xen/misaligned-extent' };
  if (base + size > d.space) return { at: base, code: 'xen/gpfn-out-of-range' };
  for (let n = base; n < base + size; n++) {
    if (!d.isRam(n)) return { at: n, code: 'xen/not-ram' };
    if (op === 'decrease' && !d.holds(n)) return { at: n, code: 'xen/not-populated' };
    if (op === 'populate' && d.holds(n)) return { at: n, code: 'xen/already-populated' };
  }
  return null;
}
