/**
 * An example Xen implementation, written apart from impl/xen on purpose: what a user who wraps
 * their own balloon driver or hypervisor model hands to `balloon check --family xen --impl
 * examples/xen-flat/index.ts`. It imports core/ only (the vocabulary and the contracts), keeps
 * each domain in flat arrays scanned linearly (domain.ts), hands out the highest free frame
 * first (frames.ts) and picks pages by its own rule, so its runs differ from the reference's in
 * every gpfn and frame while keeping every rule the properties check (docs/families/xen.md).
 *
 * The balloon thread follows Linux drivers/xen/balloon.c: a pass when due (timeout or a new
 * credit), one batch of order-0 extents, up with populate_physmap and down with
 * decrease_reservation bounded by the floor, update_schedule's doubling delay and retry limit.
 */
import { frame, gpfn, guestId, PageState, UNBACKED } from '../../core/index.ts';
import {
  XEN_ERROR_CODES, xenConfigProblems, xenInitialPages, type XenCommand, type XenEffect, type XenErrorCode,
  type XenGuestObservation, type XenObservation, type XenStepResult, type XenSystemConfig,
} from '../../core/xen/index.ts';
import { Domain } from './domain.ts';
import { Frames } from './frames.ts';
import { memoryOp, type OpHost } from './hypervisor.ts';

/** balloon_thread's sleep after DONE or ECANCELED, seconds (after EAGAIN: the schedule delay). */
const HOUR = 3600;

export class FlatXenSystem implements OpHost {
  readonly maxOrder: number;
  private readonly frames: Frames;
  private readonly domains: Domain[];
  private now = 0;
  private token = 0;

  constructor(readonly config: XenSystemConfig) {
    const problems = xenConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid Xen configuration: ${problems.join('; ')}`);
    this.maxOrder = config.maxExtentOrder;
    this.frames = new Frames(config.hostFrames, config.reservedFrames);
    this.domains = config.guests.map((g, i) => new Domain(i, g, this.frames));
    for (const d of this.domains) d.build(0, () => {});
  }

  available(): number {
    return this.frames.freeCount - this.domains.reduce((s, d) => s + d.podCache, 0);
  }

  observe(): XenObservation {
    const f = this.frames;
    return {
      host: { totalFrames: f.total, reservedFrames: f.reserved, freeFrames: f.freeCount, owner: f.owner, ownerGpfn: f.ownerGpfn },
      guests: this.domains.map((d) => this.observeGuest(d)),
      xen: { now: this.now },
    };
  }

  private observeGuest(d: Domain): XenGuestObservation {
    return {
      target: d.target, actual: d.current, p2m: d.p2m, dmaView: null, pageState: d.state, hostBallooned: d.givenBack,
      counts: {
        free: d.count(PageState.Free), used: d.count(PageState.Used), inflating: 0,
        ballooned: d.balloon.length + d.lent.length, deflating: 0,
      },
      xen: {
        thread: { state: d.thread, delay: d.delay, retries: d.retries, wakeAt: d.wakeAt, sleepCredit: d.sleepCredit, inHypercall: false },
        currentPages: d.current, targetPages: d.target, balloonLow: d.balloon.length, balloonHigh: 0, lent: d.lent.length,
        podEntries: d.podEntries, podCache: d.podCache, pod: d.pod, guestP2m: d.ownP2m,
      },
    };
  }

  apply(c: XenCommand): XenStepResult {
    const d = this.domains[c.guest];
    if (!d) return { outcome: 'refused', code: 'guest/unknown', message: `no guest ${c.guest}`, effects: [] };
    const out: XenEffect[] = [];
    const code = this.step(c, d, out);
    return code ? { outcome: 'refused', code, message: XEN_ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private step(c: XenCommand, d: Domain, out: XenEffect[]): XenErrorCode | null {
    const g = guestId(d.id);
    switch (c.kind) {
      case 'set-target':
        if (!Number.isInteger(c.pages) || c.pages < 0) return 'xen/bad-target';
        d.target = Math.min(c.pages, d.cfg.ramPages); // xl mem-set stops at maxmem
        out.push({ kind: 'target-set', guest: g, requested: c.pages, target: d.target });
        return null;
      case 'tick':
        if (!Number.isInteger(c.seconds) || c.seconds < 1 || c.seconds > HOUR) return 'xen/bad-tick';
        this.now += c.seconds;
        out.push({ kind: 'tick', guest: g, now: this.now });
        return null;
      case 'thread': this.pass(d, c.grant, out); return null;
      case 'lend': return move(d.balloon, d.lent, c.pages, 'lent', g, out) ? null : 'xen/balloon-short';
      case 'unlend': return move(d.lent, d.balloon, c.pages, 'unlent', g, out) ? null : 'xen/nothing-lent';
      case 'alloc': return this.alloc(d, c.pages, c.pick, out);
      case 'free': {
        const used = d.inState(PageState.Used);
        const n = Math.min(c.pages, used.length);
        if (!(n > 0)) return 'guest/no-used-pages';
        const gone = pickRun(used, n, c.pick);
        for (const x of gone) d.state[x] = PageState.Free;
        out.push({ kind: 'pages-freed', guest: g, gpfns: gone.map(gpfn) });
        return null;
      }
      case 'write': case 'read': {
        const used = d.inState(PageState.Used);
        if (used.length === 0) return 'guest/no-used-pages';
        const x = used[c.pick % used.length];
        const f = d.p2m[x];
        if (f === UNBACKED) return 'guest/no-used-pages';
        if (c.kind === 'write') {
          this.frames.content[f] = ++this.token;
          out.push({ kind: 'wrote', guest: g, gpfn: gpfn(x), token: this.token });
        } else out.push({ kind: 'read', guest: g, gpfn: gpfn(x), value: this.frames.content[f] });
        return null;
      }
      case 'reset': return this.reboot(d, out);
      case 'hostile':
        if (!c.req) return 'xen/no-request';
        memoryOp(this, d, c.req, 'hostile', undefined, out);
        return null;
    }
  }

  /** A guest program allocates and zeroes `pages` free pages, all or nothing; a PoD entry is backed from the cache. */
  private alloc(d: Domain, pages: number, pick: number, out: XenEffect[]): XenErrorCode | null {
    const free = d.inState(PageState.Free);
    if (!Number.isInteger(pages) || pages < 1 || free.length < pages) return 'guest/oom';
    const chosen = pickRun(free, pages, pick);
    if (chosen.filter((x) => d.pod[x]).length > d.podCache) return 'xen/pod-cache-empty';
    const g = guestId(d.id);
    for (const x of chosen) {
      if (d.pod[x]) {
        // p2m_pod_demand_populate: the entry is backed from the cache on first touch.
        d.pod[x] = 0; d.podEntries--; d.podCache--;
        out.push({ kind: 'frame-mapped', guest: g, gpfn: gpfn(x), frame: frame(d.back(x)) });
      }
      d.state[x] = PageState.Used;
      this.frames.content[d.p2m[x]] = 0;
    }
    out.push({ kind: 'pages-allocated', guest: g, gpfns: chosen.map(gpfn) });
    return null;
  }

  /** xl reboot: refused when the host cannot build the domain again; the target stays. */
  private reboot(d: Domain, out: XenEffect[]): XenErrorCode | null {
    if (xenInitialPages(d.cfg) > this.available() + d.mapped() + d.podCache) return 'host/out-of-frames';
    const g = guestId(d.id);
    d.destroy((n, f) => out.push({ kind: 'frame-released', guest: g, gpfn: gpfn(n), frame: frame(f) }));
    d.build(this.now, (n, f) => out.push({ kind: 'frame-mapped', guest: g, gpfn: gpfn(n), frame: frame(f) }));
    out.push({ kind: 'reset', guest: g }, { kind: 'actual-written', guest: g, actual: d.current });
    return null;
  }

  /** balloon_thread gets the CPU: one pass if due (timeout expired or the credit moved since it slept). */
  private pass(d: Domain, grant: number | undefined, out: XenEffect[]): void {
    const g = guestId(d.id);
    const before = d.thread;
    const credit = d.target - d.current;
    const due = this.now >= d.wakeAt || credit !== d.sleepCredit;
    if (due) {
      d.thread = credit > 0 ? this.up(d, credit, grant, out) : credit < 0 ? this.down(d, -credit, out) : 'done';
      // update_schedule: DONE resets, EAGAIN doubles the delay and counts a retry, past the limit cancels.
      if (d.thread === 'done') { d.delay = 1; d.retries = 1; } else if (d.thread === 'eagain') {
        d.retries++;
        if (d.retries > this.config.maxRetries) { d.delay = 1; d.retries = 1; d.thread = 'ecanceled'; } else d.delay = Math.min(d.delay * 2, this.config.maxDelay);
      }
      d.wakeAt = this.now + (d.thread === 'eagain' ? d.delay : HOUR);
      d.sleepCredit = d.thread === 'done' ? 0 : d.target - d.current;
    }
    out.push({ kind: 'balloon-pass', guest: g, now: this.now, ran: due, credit, before, after: d.thread, delay: d.delay, retries: d.retries });
  }

  /** increase_reservation: ask back one batch from the balloon; only what Xen populated returns to the guest. */
  private up(d: Domain, credit: number, grant: number | undefined, out: XenEffect[]): 'done' | 'eagain' | 'ecanceled' {
    if (d.balloon.length === 0) {
      // reserve_additional_memory without memory hotplug: nothing to give, the target is cut to what
      // the guest has plus the pages lent to backends (Linux c673ec61ade8, target_unpopulated).
      d.target = d.current + d.lent.length;
      return 'ecanceled';
    }
    const n = Math.min(credit, this.config.batchGpfns, d.balloon.length);
    const asked = d.balloon.slice(d.balloon.length - n).reverse();
    const done = memoryOp(this, d, { op: 'populate', order: 0, gpfns: asked }, 'driver', grant, out);
    if (done <= 0) return 'eagain';
    const back = asked.slice(0, done);
    for (const x of back) {
      d.balloon.splice(d.balloon.lastIndexOf(x), 1);
      d.state[x] = PageState.Free;
      if (d.ownP2m) d.ownP2m[x] = d.p2m[x];
    }
    out.push({ kind: 'pages-freed', guest: guestId(d.id), gpfns: back.map(gpfn) });
    this.setCurrent(d, d.current + done, out);
    return 'done';
  }

  /** decrease_reservation: at most the credit, a batch, the free pages, and never below the floor (XSA-300). */
  private down(d: Domain, want: number, out: XenEffect[]): 'done' | 'eagain' {
    const wanted = Math.min(want, this.config.batchGpfns);
    const free = d.inState(PageState.Free);
    const n = Math.min(wanted, Math.max(0, d.current - d.cfg.floorPages), free.length);
    if (n === 0) return 'eagain';
    const gpfns = free.slice(0, n);
    for (const x of gpfns) {
      d.state[x] = PageState.Inflating;
      if (d.ownP2m) d.ownP2m[x] = UNBACKED; // a PV guest forgets the frame before giving it back
    }
    const done = memoryOp(this, d, { op: 'decrease', order: 0, gpfns }, 'driver', undefined, out);
    for (const x of gpfns) { d.state[x] = PageState.Ballooned; d.balloon.push(x); }
    this.setCurrent(d, d.current - done, out);
    return n < wanted ? 'eagain' : 'done';
  }

  private setCurrent(d: Domain, n: number, out: XenEffect[]): void {
    if (n === d.current) return;
    d.current = n;
    out.push({ kind: 'actual-written', guest: guestId(d.id), actual: n });
  }
}

/** `n` entries of `list` in a run starting at `pick` (wrapping round): which pages a guest program takes. */
function pickRun(list: readonly number[], n: number, pick: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(list[(pick + i) % list.length]);
  return out;
}

/** Move `k` pages from the top of `from` to `to` (a backend borrowing or returning them); false when short. */
function move(from: number[], to: number[], k: number, kind: 'lent' | 'unlent', g: ReturnType<typeof guestId>, out: XenEffect[]): boolean {
  if (!Number.isInteger(k) || k < 1 || from.length < k) return false;
  const moved = from.splice(from.length - k, k).reverse();
  to.push(...moved);
  out.push({ kind, guest: g, gpfns: moved.map(gpfn) });
  return true;
}

/** The SystemFactory the testbed loads (`--impl examples/xen-flat/index.ts --family xen`). */
export default function createFlatXenSystem(config: XenSystemConfig): FlatXenSystem {
  return new FlatXenSystem(config);
}
