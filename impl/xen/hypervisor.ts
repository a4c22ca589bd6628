/**
 * The hypervisor side of ballooning, after xen/common/memory.c: XENMEM_decrease_reservation
 * (decrease_reservation, guest_remove_page) and XENMEM_populate_physmap (populate_physmap). It
 * treats the guest as untrusted: it checks the extent order against the maximum, each extent's
 * alignment and that every gpfn is RAM of this domain, holding a page (decrease) or not
 * (populate). It works extent by extent and stops at the first bad one, returning the count done,
 * as memory.c does; a short populate is also what a host short of frames (or the workload's
 * `grant`) gives. A preemption is taken only after useful work (the 2014 fix), and the
 * continuation finishes the op, which the guest does not see.
 */
import { frame as asFrame, gpfn as asGpfn, gpfnOfPfn, guestId, pfnOf } from '../../core/index.ts';
import type { XenEffect, XenErrorCode, XenRefusal, XenRequest } from '../../core/xen/index.ts';
import type { HostFrames } from '../host.ts';
import type { XenDomain } from './domain.ts';
import type { XenFaults } from './faults.ts';

export interface OpOutcome { done: number; refused: XenRefusal[]; preempted: boolean }

export interface OpBudget {
  /** Extents the host will populate at most; undefined for all it can. */
  grant?: number;
  /** A preemption is pending when the hypercall enters. */
  preempt?: boolean;
}

export class XenHypervisor {
  constructor(
    private readonly host: HostFrames,
    private readonly domains: readonly XenDomain[],
    private readonly maxOrder: number,
    private readonly f: XenFaults,
  ) {}

  /** Frames a populate may take: free host frames not claimed by a PoD cache. */
  available(): number {
    let claimed = 0;
    for (const d of this.domains) claimed += d.podCache;
    return this.host.freeCount - claimed;
  }

  /** One memory op of domain `d`; appends frame effects and the hypercall effect. */
  memoryOp(d: XenDomain, req: XenRequest, origin: 'driver' | 'hostile' | 'lend', budget: OpBudget, out: XenEffect[]): OpOutcome {
    const r = this.run(d, req, budget, out);
    out.push({ kind: 'hypercall', guest: guestId(d.id), op: req.op, origin, order: req.order, gpfns: req.gpfns, done: r.done, refused: r.refused, preempted: r.preempted });
    return r;
  }

  private run(d: XenDomain, req: XenRequest, budget: OpBudget, out: XenEffect[]): OpOutcome {
    const refuse = (gpfn: number, code: XenErrorCode, done = 0): OpOutcome => ({ done, refused: [{ gpfn, code }], preempted: false });
    const first = req.gpfns[0] ?? 0;
    // memory.c do_memory_op: the PoD flag is the toolstack's (2a99aa99fc), the order is capped (XSA-31/158).
    if (req.pod && !(this.f['guest-pod-populate'] && req.op === 'populate')) return refuse(first, 'xen/pod-not-permitted');
    const orderOk = Number.isInteger(req.order) && req.order >= 0 && req.order <= this.maxOrder;
    if (!orderOk && !(this.f['unbounded-order'] && Number.isInteger(req.order) && req.order >= 0)) return refuse(first, 'xen/extent-order');
    // The fix of 79de2d31f1: the preemption check is skipped for the first extent.
    // Under the fault the continuation re-enters with the preemption still pending (the load that
    // raised it persists while the vCPU sits in the hypercall), so it never gets past the check.
    if ((budget.preempt || d.continuing) && this.f['preempt-no-progress'] && req.op === 'decrease' && req.gpfns.length > 0) {
      d.continuing = true;
      return { done: 0, refused: [], preempted: true };
    }
    const size = 2 ** Math.min(req.order, 30);
    let done = 0;
    for (const sent of req.gpfns) {
      const base = this.read(d, sent);
      if (base < 0 && sent >= 0) return refuse(sent, 'xen/gpfn-out-of-range', done);
      const extent = this.extent(d, base, req.order, size);
      if (typeof extent === 'string') return refuse(base, extent, done);
      if (req.op === 'decrease') {
        const bad = extent.find((n) => !d.holdsPage(n));
        if (bad !== undefined && !this.loose(req.order, base, size)) return refuse(bad, 'xen/not-populated', done);
        for (const n of extent) if (d.holdsPage(n)) this.remove(d, n, out);
      } else {
        const bad = extent.find((n) => d.holdsPage(n) && !(req.pod && this.f['guest-pod-populate']));
        if (bad !== undefined) return refuse(bad, 'xen/already-populated', done);
        if (req.pod) { for (const n of extent) this.markPod(d, n); done++; continue; }
        if (done >= (budget.grant ?? Infinity) || this.available() < extent.length) break;
        for (const n of extent) this.add(d, n, out);
      }
      done++;
    }
    return { done, refused: [], preempted: false };
  }

  /**
   * The gpfn Xen finds where the guest put gpfn `n`: its pfn (core/layout.ts) travels as a
   * xen_pfn_t, 64 bits, and is looked up again; -1 when no page of the domain sits there. A gpfn
   * outside the domain's space is left for `extent` to refuse. Without a layout the lookup is skipped.
   */
  private read(d: XenDomain, n: number): number {
    if (!d.cfg.layout || !Number.isInteger(n) || n < 0 || n >= d.space) return n;
    // gfn-truncated: the frame list's entries are 32 bits wide, so a gfn keeps only its low 32 bits.
    const p = this.f['gfn-truncated'] ? pfnOf(d.cfg, n) % 2 ** 32 : pfnOf(d.cfg, n);
    return gpfnOfPfn(d.cfg, p);
  }

  /** A fault lets a bad extent through (it is then acted on as far as it holds pages). */
  private loose(order: number, base: number, size: number): boolean {
    return (order > this.maxOrder && this.f['unbounded-order']) || (base % size !== 0 && this.f['misaligned-extent']);
  }

  /** The gpfns of one extent, or why it is refused. */
  private extent(d: XenDomain, base: number, order: number, size: number): number[] | XenErrorCode {
    if (!Number.isInteger(base) || base < 0 || base >= d.space) return 'xen/gpfn-out-of-range';
    let start = base;
    if (base % size !== 0) {
      if (!this.f['misaligned-extent']) return 'xen/misaligned-extent';
      start = base - (base % size); // the superpage entry around it
    }
    const wide = order > this.maxOrder; // only under unbounded-order: clipped to the domain
    const end = Math.min(start + size, wide || this.f['misaligned-extent'] ? d.space : Infinity);
    if (end > d.space) return 'xen/gpfn-out-of-range';
    const out: number[] = [];
    for (let n = start; n < end; n++) {
      if (!d.isRam(n)) { if (wide) continue; return 'xen/not-ram'; }
      out.push(n);
    }
    return out;
  }

  /** guest_remove_page: the frame goes back to the host (or into the PoD cache), a PoD entry is dropped. */
  private remove(d: XenDomain, n: number, out: XenEffect[]): void {
    if (d.pod[n]) {
      d.pod[n] = 0; d.podEntries--;
      // p2m_pod_decrease_reservation (out_entry_check): a cache larger than the entries left is
      // cut down to them; the cache is a claim on free frames here, so nothing else moves.
      if (d.podCache > d.podEntries) d.podCache = d.podEntries;
    } else {
      const f = d.mem.unback(n);
      if (f >= 0) out.push({ kind: 'frame-released', guest: guestId(d.id), gpfn: asGpfn(n), frame: asFrame(f) });
      // p2m_pod_decrease_reservation: while entries outnumber the cache, a freed page refills it.
      if (d.podEntries > d.podCache) d.podCache++;
    }
    d.released[n] = 1;
  }

  private add(d: XenDomain, n: number, out: XenEffect[]): void {
    const f = d.mem.populate(n);
    if (f >= 0) out.push({ kind: 'frame-mapped', guest: guestId(d.id), gpfn: asGpfn(n), frame: asFrame(f) });
    d.released[n] = 0;
  }

  private markPod(d: XenDomain, n: number): void {
    if (!d.pod[n]) { d.pod[n] = 1; d.podEntries++; }
    d.released[n] = 0;
  }

  /**
   * A guest touches `n`, a PoD entry: back it from the cache (p2m_pod_demand_populate). False
   * when the cache is empty (Xen would crash the domain).
   */
  demandPopulate(d: XenDomain, n: number, out: XenEffect[]): boolean {
    if (d.podCache <= 0) return false;
    d.pod[n] = 0; d.podEntries--; d.podCache--;
    this.add(d, n, out);
    return true;
  }
}
