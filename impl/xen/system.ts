/**
 * The reference Xen system: one hypervisor and its host frames, and per domain its memory and a
 * Linux-like balloon driver. Every choice comes in as a command (core/xen/commands.ts); time is a
 * virtual clock that `tick` moves; nothing here reads a clock or draws a random number.
 */
import { forkState, shareOnFork } from '../../core/fork.ts';
import { frame as asFrame, gpfn as asGpfn, guestId, PageState, UNBACKED } from '../../core/index.ts';
import {
  XEN_ERROR_CODES, xenConfigProblems, xenInitialPages, type XenCommand, type XenEffect, type XenErrorCode,
  type XenGuestObservation, type XenObservation, type XenStepResult, type XenSystemConfig,
} from '../../core/xen/index.ts';
import { choose } from '../guest-memory.ts';
import { HostFrames } from '../host.ts';
import { XenBalloon } from './balloon.ts';
import { XenDomain } from './domain.ts';
import { xenFaultSet, type XenFaultName, type XenFaults } from './faults.ts';
import { XenHypervisor } from './hypervisor.ts';

/** What a Xen implementation under test offers: the same shape as the world's SystemUnderTest. */
export interface XenSystemUnderTest {
  readonly config: XenSystemConfig;
  apply(command: XenCommand): XenStepResult;
  observe(): XenObservation;
}

interface Parts { d: XenDomain; b: XenBalloon; obs: XenGuestObservation }

export interface XenReferenceOptions { faults?: readonly XenFaultName[] }

export class XenReferenceSystem implements XenSystemUnderTest {
  readonly host: HostFrames;
  private readonly parts: Parts[];
  private readonly hv: XenHypervisor;
  private readonly faults: XenFaults;
  private readonly observation: XenObservation;
  private now = 0;
  private token = 0;

  constructor(readonly config: XenSystemConfig, options: XenReferenceOptions = {}) {
    // The configuration and the faults never change: forks share them (core/fork.ts shareOnFork).
    shareOnFork(config);
    this.faults = shareOnFork(xenFaultSet(options.faults));
    const problems = xenConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid Xen configuration: ${problems.join('; ')}`);
    this.host = new HostFrames(config.hostFrames, config.reservedFrames);
    const domains = config.guests.map((g, i) => new XenDomain(i, g, this.host));
    this.hv = new XenHypervisor(this.host, domains, config.maxExtentOrder, this.faults);
    this.parts = domains.map((d) => {
      d.build(() => {});
      const b = new XenBalloon(config, d, this.hv, this.faults);
      b.start(0);
      const obs: XenGuestObservation = {
        target: 0, actual: 0, p2m: d.mem.p2m, dmaView: null, pageState: d.mem.pageState, hostBallooned: d.released,
        counts: d.mem.counts, xen: undefined as unknown as XenGuestObservation['xen'],
      };
      return { d, b, obs };
    });
    this.observation = { host: this.host.observe(), guests: this.parts.map((p) => p.obs), xen: { now: 0 } };
  }

  /** A copy in the present state that evolves on its own (SystemUnderTest.fork): the state graph copied, no replay. */
  fork(): XenReferenceSystem { return forkState(this); }

  /**
   * SystemUnderTest.hiddenKey: per guest, the pages counted as lent (target_unpopulated) beyond
   * those lent, when some guest has any (only under the failed-lend-counted fault, which no
   * observation shows until a cancelled rise sets the target from it).
   */
  hiddenKey(): string {
    const extra = this.parts.map((p) => p.b.unpopulated - p.b.lent.size);
    return extra.some((k) => k !== 0) ? extra.join(',') : '';
  }

  observe(): XenObservation {
    this.observation.host.freeFrames = this.host.freeCount;
    this.observation.xen.now = this.now;
    for (const { d, b, obs } of this.parts) {
      obs.target = b.targetPages;
      obs.actual = b.currentPages;
      obs.xen = {
        thread: { state: b.state, delay: b.delay, retries: b.retries, wakeAt: b.wakeAt, sleepCredit: b.sleepCredit, inHypercall: b.pending !== null },
        currentPages: b.currentPages, targetPages: b.targetPages, balloonLow: b.list.size, balloonHigh: 0, lent: b.lent.size,
        podEntries: d.podEntries, podCache: d.podCache, pod: d.pod, guestP2m: b.guestP2m,
      };
    }
    return this.observation;
  }

  apply(c: XenCommand): XenStepResult {
    const p = this.parts[c.guest];
    if (!p) return { outcome: 'refused', code: 'guest/unknown', message: `no guest ${c.guest}`, effects: [] };
    const out: XenEffect[] = [];
    const code = this.dispatch(c, p, out);
    return code ? { outcome: 'refused', code, message: XEN_ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private dispatch(c: XenCommand, p: Parts, out: XenEffect[]): XenErrorCode | null {
    const { d, b } = p;
    const gid = guestId(d.id);
    switch (c.kind) {
      case 'set-target': {
        if (!Number.isInteger(c.pages) || c.pages < 0) return 'xen/bad-target';
        // xl refuses a target above maxmem; the driver takes what xenstore says (balloon_set_new_target).
        b.targetPages = Math.min(c.pages, d.cfg.ramPages);
        out.push({ kind: 'target-set', guest: gid, requested: c.pages, target: b.targetPages });
        return null;
      }
      case 'thread': b.pass(this.now, { grant: c.grant, preempt: c.preempt }, out); return null;
      case 'tick': {
        if (!Number.isInteger(c.seconds) || c.seconds < 1 || c.seconds > 3600) return 'xen/bad-tick';
        this.now += c.seconds;
        out.push({ kind: 'tick', guest: gid, now: this.now });
        return null;
      }
      case 'lend': return b.lendPages(c.pages, out) ? null : 'xen/balloon-short';
      case 'unlend': return b.unlendPages(c.pages, out) ? null : 'xen/nothing-lent';
      case 'alloc': return this.alloc(p, c.pages, c.pick, out);
      case 'free': {
        const mem = d.mem;
        const n = Math.min(c.pages, mem.used.size);
        if (!(n > 0)) return 'guest/no-used-pages';
        const gpfns = choose(mem.used.size, n, c.pick).map((i) => mem.used.at(i));
        for (const x of gpfns) { mem.used.delete(x); mem.free.add(x); mem.setPage(x, PageState.Free); }
        out.push({ kind: 'pages-freed', guest: gid, gpfns: gpfns.map(asGpfn) });
        return null;
      }
      case 'write':
      case 'read': {
        const n = d.mem.usedGpfn(c.pick);
        if (n < 0) return 'guest/no-used-pages';
        const f = d.mem.p2m[n];
        if (f === UNBACKED) return 'guest/no-used-pages'; // unreachable in the reference: a used page is backed
        if (c.kind === 'write') {
          this.host.content[f] = ++this.token;
          out.push({ kind: 'wrote', guest: gid, gpfn: asGpfn(n), token: this.token });
        } else {
          out.push({ kind: 'read', guest: gid, gpfn: asGpfn(n), value: this.host.content[f] });
        }
        return null;
      }
      case 'reset': return this.rebuild(p, out);
      case 'hostile': {
        if (!c.req) return 'xen/no-request';
        this.hv.memoryOp(d, c.req, 'hostile', {}, out);
        return null;
      }
    }
  }

  /** Allocate and zero `pages` pages, all or nothing; a PoD entry is backed from the cache on that touch. */
  private alloc(p: Parts, pages: number, pick: number, out: XenEffect[]): XenErrorCode | null {
    const { d } = p;
    const mem = d.mem;
    if (!Number.isInteger(pages) || pages < 1 || mem.free.size < pages) return 'guest/oom';
    const chosen = choose(mem.free.size, pages, pick).map((i) => mem.free.at(i));
    let pod = 0;
    for (const x of chosen) if (d.pod[x]) pod++;
    if (pod > d.podCache) return 'xen/pod-cache-empty';
    for (const x of chosen) {
      if (d.pod[x]) this.hv.demandPopulate(d, x, out);
      mem.free.delete(x); mem.used.add(x); mem.setPage(x, PageState.Used);
      this.host.content[mem.p2m[x]] = 0;
    }
    out.push({ kind: 'pages-allocated', guest: guestId(d.id), gpfns: chosen.map(asGpfn) });
    return null;
  }

  /** xl reboot: the domain is torn down and built again; refused when the host cannot build it. */
  private rebuild(p: Parts, out: XenEffect[]): XenErrorCode | null {
    const { d, b } = p;
    const gid = guestId(d.id);
    const needs = xenInitialPages(d.cfg);
    if (needs > this.hv.available() + d.mappedFrames() + d.podCache) return 'host/out-of-frames';
    d.destroy((n, f) => out.push({ kind: 'frame-released', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) }));
    const mem = d.mem;
    for (let x = 0; x < d.space; x++) {
      const s = mem.pageState[x];
      if (s === PageState.Hole || s === PageState.Free) continue;
      mem.used.delete(x); mem.setPage(x, PageState.Free); mem.free.add(x);
    }
    d.build((n, f) => out.push({ kind: 'frame-mapped', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) }));
    b.start(this.now);
    out.push({ kind: 'reset', guest: gid }, { kind: 'actual-written', guest: gid, actual: b.currentPages });
    return null;
  }
}

export const createXenReference = (config: XenSystemConfig): XenSystemUnderTest => new XenReferenceSystem(config);

export const xenReferenceWithFaults = (faults: readonly XenFaultName[]) =>
  (config: XenSystemConfig): XenSystemUnderTest => new XenReferenceSystem(config, { faults });
