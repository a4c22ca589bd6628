/**
 * The guest's balloon driver, after Linux drivers/xen/balloon.c: balloon_thread runs one pass
 * when it is due, with credit = target_pages - current_pages (current_credit). A positive credit
 * gives pages back to the guest (increase_reservation: populate_physmap with gpfns from the
 * ballooned list; only the extents done leave the list); a negative one takes pages from the guest
 * (decrease_reservation: allocate, invalidate the PV p2m, append to the list, then the hypercall).
 * The pass ends in DONE, WAIT, EAGAIN or ECANCELED and update_schedule doubles the delay up to
 * max_schedule_delay and cancels after max_retry_count. The thread sleeps until its timeout
 * (DONE and ECANCELED: 3600 s, EAGAIN: the delay, WAIT: 1 s) or until the credit changes
 * (balloon_thread_cond). Time is the system's virtual clock; nothing here reads a real one.
 */
import { copyGpfns, gpfn as asGpfn, gpfnArray, guestId, PageState, UNBACKED, type GpfnArray } from '../../core/index.ts';
import type { ThreadState, XenEffect, XenSystemConfig } from '../../core/xen/index.ts';
import { IndexSet } from '../index-set.ts';
import type { XenDomain } from './domain.ts';
import type { XenFaults } from './faults.ts';
import type { OpBudget, XenHypervisor } from './hypervisor.ts';

/** balloon_thread's timeout per state, in seconds. */
export const TIMEOUT: Record<ThreadState, number> = { done: 3600, ecanceled: 3600, eagain: 0, wait: 1 };

export class XenBalloon {
  state: ThreadState = 'done';
  delay = 1;
  retries = 1;
  wakeAt = 0;
  sleepCredit = 0;
  currentPages: number;
  targetPages: number;
  /** Ballooned gpfns, most recently appended last (balloon_append puts lowmem at the head; retrieve takes the head). */
  readonly list: IndexSet;
  /** Gpfns lent to backends. */
  readonly lent: IndexSet;
  /**
   * balloon_stats.target_unpopulated: the pages xen_alloc_ballooned_pages handed out and
   * xen_free_ballooned_pages has not taken back; the size of `lent` unless failed-lend-counted.
   */
  unpopulated = 0;
  /** A decrease preempted and not finished (only under preempt-no-progress): its gpfns. */
  pending: number[] | null = null;
  readonly guestP2m: GpfnArray | null;

  constructor(
    private readonly sys: XenSystemConfig, private readonly d: XenDomain, private readonly hv: XenHypervisor,
    private readonly f: XenFaults,
  ) {
    this.list = new IndexSet(d.space);
    this.lent = new IndexSet(d.space);
    this.guestP2m = d.cfg.mode === 'pv' ? gpfnArray(Int32Array, d.space, UNBACKED) : null;
    this.currentPages = d.cfg.ramPages;
    this.targetPages = d.cfg.podPages > 0 ? d.cfg.podPages : d.cfg.ramPages;
  }

  credit(): number { return this.targetPages - this.currentPages; }

  /** Due to run: a hypercall to continue, the timeout expired, or the credit changed since it slept. */
  due(now: number): boolean {
    return this.pending !== null || now >= this.wakeAt || this.credit() !== this.sleepCredit;
  }

  /** Driver start (and domain rebuild): empty balloon, PV p2m copied from Xen's, state DONE, due at once. */
  start(now: number): void {
    this.list.clear(); this.lent.clear(); this.unpopulated = 0; this.pending = null;
    this.state = 'done'; this.delay = 1; this.retries = 1;
    this.currentPages = this.d.cfg.ramPages;
    this.wakeAt = now; this.sleepCredit = 0;
    if (this.guestP2m) copyGpfns(this.guestP2m, this.d.mem.p2m);
  }

  /** The thread gets the CPU at `now`: one pass if due. */
  pass(now: number, budget: OpBudget, out: XenEffect[]): void {
    const g = guestId(this.d.id);
    const before = this.state;
    const credit = this.credit();
    if (!this.due(now)) {
      out.push({ kind: 'balloon-pass', guest: g, now, ran: false, credit, before, after: before, delay: this.delay, retries: this.retries });
      return;
    }
    if (this.pending) {
      if (!this.finishDecrease(this.pending, budget, out)) {
        out.push({ kind: 'balloon-pass', guest: g, now, ran: true, credit, before, after: before, delay: this.delay, retries: this.retries });
        return;
      }
    } else if (credit > 0) {
      this.state = this.list.size > 0 ? this.increaseStep(Math.min(credit, this.sys.batchGpfns, this.list.size), budget, out) : this.noHotplug();
    } else if (credit < 0) {
      this.state = this.decreaseStep(-credit, budget, out);
    } else {
      this.state = 'done';
    }
    if (this.pending) {
      out.push({ kind: 'balloon-pass', guest: g, now, ran: true, credit, before, after: this.state, delay: this.delay, retries: this.retries });
      return;
    }
    this.updateSchedule();
    this.sleep(now);
    out.push({ kind: 'balloon-pass', guest: g, now, ran: true, credit, before, after: this.state, delay: this.delay, retries: this.retries });
  }

  /** update_schedule: reset after DONE, back off after EAGAIN, cancel past the retry limit. */
  private updateSchedule(): void {
    if (this.state === 'wait' || this.state === 'ecanceled') return;
    if (this.state === 'done') { this.delay = 1; this.retries = 1; return; }
    this.retries++;
    if (this.retries > this.sys.maxRetries) { this.delay = 1; this.retries = 1; this.state = 'ecanceled'; return; }
    this.delay = Math.min(this.delay * 2, this.sys.maxDelay);
  }

  private sleep(now: number): void {
    const t = this.state === 'eagain' ? this.delay : TIMEOUT[this.state];
    this.wakeAt = this.f['cancelled-busy-loop'] && this.state === 'ecanceled' ? now : now + t;
    this.sleepCredit = this.state === 'done' ? 0 : this.credit();
  }

  /**
   * reserve_additional_memory without memory hotplug: the balloon holds nothing to give back, so
   * the target is cut to what the guest has plus the ballooned pages lent to backends
   * (target_unpopulated), and the action is cancelled. Counting the lent pages is Linux
   * c673ec61ade8 "xen/balloon: fix ballooned page accounting without hotplug enabled" (2019):
   * without them, pages a backend gives back later are never populated again.
   */
  private noHotplug(): ThreadState {
    // cancel-forgets-lent: the target is cut to current_pages alone, as before c673ec61ade8.
    this.targetPages = this.currentPages + (this.f['cancel-forgets-lent'] ? 0 : this.unpopulated);
    return 'ecanceled';
  }

  /** increase_reservation: populate up to `n` gpfns from the list; only the extents done leave it. */
  private increaseStep(n: number, budget: OpBudget, out: XenEffect[]): ThreadState {
    const gpfns: number[] = [];
    for (let i = 0; i < n; i++) gpfns.push(this.list.at(this.list.size - 1 - i));
    const r = this.hv.memoryOp(this.d, { op: 'populate', order: 0, gpfns }, 'driver', budget, out);
    if (r.done <= 0) return 'eagain';
    const taken = this.f['count-asked-not-done'] ? gpfns.length : r.done;
    const back = gpfns.slice(0, taken);
    const mem = this.d.mem;
    for (const x of back) {
      this.list.delete(x);
      mem.setPage(x, PageState.Free);
      mem.free.add(x);
      if (this.guestP2m) this.guestP2m[x] = mem.p2m[x];
    }
    out.push({ kind: 'pages-freed', guest: guestId(this.d.id), gpfns: back.map(asGpfn) });
    this.setCurrent(this.currentPages + taken, out);
    return 'done';
  }

  /**
   * decrease_reservation, bounded by what the guest can spare (the XSA-300 fix in
   * balloon_thread): at most the credit, one batch, the free pages, and never below the floor.
   * A step cut short by free pages or the floor ends in EAGAIN, so the thread retries later.
   */
  private decreaseStep(want: number, budget: OpBudget, out: XenEffect[]): ThreadState {
    const mem = this.d.mem;
    const wanted = Math.min(want, this.sys.batchGpfns);
    const spare = this.f['unbounded-balloon-down'] ? Infinity : Math.max(0, this.currentPages - this.d.cfg.floorPages);
    const n = Math.min(wanted, spare, mem.free.size);
    if (n === 0) return 'eagain';
    const gpfns: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = mem.free.last();
      mem.free.delete(p);
      mem.setPage(p, PageState.Inflating);
      if (this.guestP2m && !this.f['stale-pv-p2m']) this.guestP2m[p] = UNBACKED;
      gpfns.push(p);
    }
    if (!this.issueDecrease(gpfns, budget, out)) return this.state;
    return n < wanted ? 'eagain' : 'done';
  }

  /** The decrease hypercall and its accounting; false while it hangs in a continuation. */
  private issueDecrease(gpfns: number[], budget: OpBudget, out: XenEffect[]): boolean {
    const r = this.hv.memoryOp(this.d, { op: 'decrease', order: 0, gpfns }, 'driver', budget, out);
    if (r.preempted) { this.pending = gpfns; return false; }
    for (const x of gpfns) { this.d.mem.setPage(x, PageState.Ballooned); this.list.add(x); }
    // balloon.c: BUG_ON(ret != nr_pages); a short count here is a hypervisor bug the checker reports.
    this.setCurrent(this.currentPages - r.done, out);
    return true;
  }

  /** Continue a preempted decrease: done when it finishes. */
  private finishDecrease(gpfns: number[], budget: OpBudget, out: XenEffect[]): boolean {
    this.pending = null;
    if (!this.issueDecrease(gpfns, budget, out)) return false;
    this.state = 'done';
    return true;
  }

  private setCurrent(n: number, out: XenEffect[]): void {
    if (n === this.currentPages) return;
    this.currentPages = n;
    out.push({ kind: 'actual-written', guest: guestId(this.d.id), actual: n });
  }

  /**
   * xen_alloc_ballooned_pages, from the ballooned list only (see docs/families/xen.md). Linux adds
   * `k` to target_unpopulated first; when the balloon runs short it gives back the pages it took
   * (out_undo: xen_free_ballooned_pages) and takes the rest off again, Linux 1951fa33ec25 "xen/balloon:
   * fix accounting in alloc_xenballooned_pages error path" (2020). The failed-lend-counted fault
   * leaves the rest counted, as before that fix.
   */
  lendPages(k: number, out: XenEffect[]): boolean {
    if (k < 1 || !Number.isInteger(k)) return false;
    if (this.list.size < k) {
      if (this.f['failed-lend-counted']) this.unpopulated += k - this.list.size;
      return false;
    }
    this.unpopulated += k;
    const gpfns: number[] = [];
    for (let i = 0; i < k; i++) { const x = this.list.last(); this.list.delete(x); this.lent.add(x); gpfns.push(x); }
    out.push({ kind: 'lent', guest: guestId(this.d.id), gpfns });
    return true;
  }

  /** xen_free_ballooned_pages: the pages go back on the ballooned list. */
  unlendPages(k: number, out: XenEffect[]): boolean {
    if (k < 1 || !Number.isInteger(k) || this.lent.size < k) return false;
    const gpfns: number[] = [];
    for (let i = 0; i < k; i++) { const x = this.lent.last(); this.lent.delete(x); this.list.add(x); gpfns.push(x); }
    this.unpopulated -= k;
    out.push({ kind: 'unlent', guest: guestId(this.d.id), gpfns });
    return true;
  }
}
