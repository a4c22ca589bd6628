/**
 * The reference implementation: one host running several guests under virtio-balloon. It owns
 * the host's frame table and, per guest, memory, driver, device and the queues between them.
 * Every choice comes in as a command; nothing here reads a clock or draws a random number.
 */
import { forkState, shareOnFork } from '../../core/fork.ts';
import {
  configProblems, ERROR_CODES, frame as asFrame, gpfn as asGpfn, guestId, hintingOn, PageState, POISON_VAL, poisonOn, profileOf, reportingOn,
  type Command, type Effect, type GuestConfig, type ErrorCode, type GuestObservation, type Observation,
  type StepResult, type SystemConfig, type SystemUnderTest,
} from '../../core/virtio/index.ts';
import { BalloonDevice } from './device.ts';
import { BalloonDriver } from './driver.ts';
import { faultSet, type FaultName, type Faults } from './faults.ts';
import { choose, GuestMemory } from '../guest-memory.ts';
import { HostFrames } from '../host.ts';
import { VirtQueues } from './virtqueue.ts';
import { ReferenceHintSystem } from './hinting.ts';
import { hintConfigFor } from '../../core/virtio/hinting.ts';

interface GuestParts {
  cfg: GuestConfig; mem: GuestMemory; dev: BalloonDevice; drv: BalloonDriver; q: VirtQueues; obs: GuestObservation;
  /** With FREE_PAGE_HINT: the guest's hinting driver and device over its hinting pool (impl/virtio/hinting.ts). */
  hint: ReferenceHintSystem | null;
}

export class ReferenceSystem implements SystemUnderTest {
  readonly host: HostFrames;
  private readonly guests: GuestParts[];
  private readonly observation: Observation;
  private token = 0;
  /**
   * Whose scalars (target, actual) `observe` must refresh: a command changes only its own
   * guest's, so one guest (its index), none (-1), or all (-2: at the start). Keeps `observe`
   * O(1) in the number of guests: the runner calls it twice a step (bench/RESULTS.md, 64 guests).
   */
  private stale = -2;

  private readonly faults: Faults;

  constructor(readonly config: SystemConfig, options: ReferenceOptions = {}) {
    this.faults = faultSet(options.faults);
    const problems = configProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid configuration: ${problems.join('; ')}`);
    this.host = new HostFrames(config.hostFrames, config.reservedFrames);
    this.guests = config.guests.map((cfg, i) => {
      const mem = new GuestMemory(i, cfg, this.host);
      const dev = new BalloonDevice(config, cfg, mem, this.faults);
      const q = new VirtQueues();
      const drv = new BalloonDriver(config, cfg, mem, dev, q, this.faults);
      drv.probe([]);
      const hint = hintingOn(cfg.features) ? new ReferenceHintSystem(hintConfigFor(profileOf(config)), this.faults) : null;
      const obs: GuestObservation = {
        target: 0, actual: 0, features: dev.features, p2m: mem.p2m, dmaView: mem.dmaView,
        pageState: mem.pageState, hostBallooned: dev.ballooned, inflight: q.buffers, counts: mem.counts,
        ...(hint ? { hinting: hint.observe() } : {}),
      };
      return { cfg, mem, dev, drv, q, obs, hint };
    });
    this.observation = { host: this.host.observe(), guests: this.guests.map((g) => g.obs) };
  }

  /** A copy in the present state that evolves on its own (SystemUnderTest.fork): the state graph copied, no replay. */
  fork(): ReferenceSystem {
    // The configuration and the faults never change: forks share them (core/fork.ts shareOnFork).
    // Declared at the first fork, not at construction: a campaign builds a system per case and
    // forks none (after the first fork, each is one WeakSet lookup).
    shareOnFork(this.config);
    shareOnFork(this.faults);
    return forkState(this);
  }

  /** SystemUnderTest.hiddenKey: the guests whose driver deadlocked (the oom-deadlock fault), else empty; with hinting, its hidden state. */
  hiddenKey(): string {
    const dead = this.guests.some((g) => g.drv.isDeadlocked) ? this.guests.map((g) => (g.drv.isDeadlocked ? 'D' : '-')).join('') : '';
    // ... the free pages that still owe poison_val (driver.ts poisonDue), when any do ...
    const due = this.guests.map((g) => (g.drv.poisonDue.includes(1) ? Array.from(g.drv.poisonDue).join('') : '')).join(',');
    const head = due.replace(/,/g, '') === '' ? dead : `${dead}~${due}`;
    // ... and each hinting guest's hinting state the observation does not show (ids issued, pages taken and written since).
    return this.guests.some((g) => g.hint) ? `${head}|${this.guests.map((g) => (g.hint ? g.hint.hiddenKey() : '')).join('|')}` : head;
  }

  observe(): Observation {
    // Views are live; only the scalars need refreshing.
    this.observation.host.freeFrames = this.host.freeCount;
    if (this.stale === -2) for (const g of this.guests) { g.obs.target = g.dev.target; g.obs.actual = g.drv.actual; }
    else if (this.stale >= 0) { const g = this.guests[this.stale]; g.obs.target = g.dev.target; g.obs.actual = g.drv.actual; }
    this.stale = -1;
    return this.observation;
  }

  apply(c: Command): StepResult {
    const parts = this.guests[c.guest];
    if (!parts) return refuse('guest/unknown', `no guest ${c.guest}`);
    this.stale = this.stale === -1 || this.stale === c.guest ? c.guest : -2;
    const out: Effect[] = [];
    const code = this.dispatch(c, parts, out);
    return code ? { outcome: 'refused', code, message: ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private dispatch(c: Command, g: GuestParts, out: Effect[]): ErrorCode | null {
    const gid = guestId(g.mem.id);
    switch (c.kind) {
      case 'set-target': {
        if (!Number.isInteger(c.pages) || c.pages < 0) return 'device/bad-target';
        g.dev.target = g.dev.clampTarget(c.pages);
        g.drv.wantsWork = true; // the config-change interrupt
        out.push({ kind: 'target-set', guest: gid, requested: c.pages, target: g.dev.target });
        return null;
      }
      case 'driver': g.drv.step(out); return null;
      case 'device': {
        if (c.queue === 'stats' && !g.dev.features.statsVq) return 'device/no-stats-queue';
        if (c.queue === 'reporting' && !reportingOn(g.dev.features)) return 'device/no-reporting-queue';
        const b = g.q.nextForDevice(c.queue);
        if (!b) return 'device/queue-empty';
        g.dev.process(b, out);
        return null;
      }
      case 'alloc': return this.alloc(g, c.pages, c.pick, out);
      case 'free': {
        const n = Math.min(c.pages, g.mem.used.size);
        if (n <= 0) return 'guest/no-used-pages';
        const pages = choose(g.mem.used.size, n, c.pick).map((i) => g.mem.used.at(i));
        const gpfns = [];
        for (const p of pages) {
          g.mem.used.delete(p); g.mem.free.add(p); g.mem.setPage(p, PageState.Free);
          for (let x = 0; x < g.mem.gpp; x++) gpfns.push(asGpfn(p * g.mem.gpp + x));
        }
        out.push({ kind: 'pages-freed', guest: gid, gpfns });
        return null;
      }
      case 'write':
      case 'read': {
        const n = g.mem.usedGpfn(c.pick);
        if (n < 0) return 'guest/no-used-pages';
        const f = this.touch(g, n, out);
        if (f < 0) return 'host/out-of-frames';
        if (c.kind === 'write') {
          this.host.content[f] = ++this.token;
          out.push({ kind: 'wrote', guest: gid, gpfn: asGpfn(n), token: this.token });
        } else {
          out.push({ kind: 'read', guest: gid, gpfn: asGpfn(n), value: this.host.content[f] >>> 0 });
        }
        return null;
      }
      case 'reset': {
        g.drv.unload();
        g.dev.reset();
        out.push({ kind: 'reset', guest: gid }, { kind: 'actual-written', guest: gid, actual: 0 });
        g.drv.probe(out, c);
        return null;
      }
      case 'report': return g.drv.report(c.pages, c.pick, out);
      case 'hint': {
        // Free page hinting runs on its own pool (core/virtio/hinting.ts HINT_POOL_PAGES); a
        // reset of the balloon leaves it as it is (docs/families/virtio.md).
        if (!g.hint) return 'device/no-hinting';
        const r = g.hint.apply(c.op);
        g.obs.hinting = g.hint.observe();
        out.push({ kind: 'hinting', guest: gid, effects: r.effects });
        return r.outcome === 'refused' ? r.code : null;
      }
      case 'hostile': {
        // Posted, served and consumed in one step: judged against the host's state at this
        // moment, so whether it is bad does not depend on how the other queue is scheduled.
        // The bad buffer is test input, built by the caller (properties/hostile.ts); only the
        // refusal of its entries is the implementation's (device.ts).
        const { queue, gpfns } = c;
        if (!queue || !gpfns) return 'device/no-buffer';
        const b = g.drv.queue(queue, 'hostile', gpfns, out);
        g.dev.process(b, out);
        if (!b.acked) return null; // a device stuck on it (invalid-chain-loop) never returns it
        g.q.remove(b);
        out.push({ kind: 'ack-consumed', guest: gid, queue, id: b.id });
        return null;
      }
    }
  }

  /** Allocate `pages` guest pages and zero them (which populates their frames), all or nothing. */
  private alloc(g: GuestParts, pages: number, pick: number, out: Effect[]): ErrorCode | null {
    const { mem } = g;
    if (!Number.isInteger(pages) || pages < 1) return 'guest/oom';
    if (mem.free.size < pages) { g.drv.onOom(out); return 'guest/oom'; }
    const chosen = choose(mem.free.size, pages, pick).map((i) => mem.free.at(i));
    let needed = 0;
    for (const p of chosen) needed += mem.unbackedIn(p);
    if (needed > this.host.freeCount) return 'host/out-of-frames';
    const gpfns = [];
    // A poisoning guest checks the poison of each page it hands out before it zero-fills it
    // (Linux check_poison_mem, on allocation): what it found is reported for the oracle. The
    // guest poisons as its configuration says, whatever a reload negotiated (negotiation.ts).
    const found: number[] | null = poisonOn(g.cfg.features) ? [] : null;
    for (const p of chosen) {
      mem.free.delete(p); mem.used.add(p); mem.setPage(p, PageState.Used);
      const due = g.drv.poisonDue[p] === 1;
      g.drv.poisonDue[p] = 0;
      for (let x = p * mem.gpp; x < (p + 1) * mem.gpp; x++) {
        this.touch(g, x, out);
        // The poison the free path owed a page the balloon gave back (driver.ts poisonDue; statement 54).
        if (due) this.host.content[mem.p2m[x]] = POISON_VAL | 0;
        if (found) found.push(this.host.content[mem.p2m[x]] >>> 0);
        this.host.content[mem.p2m[x]] = 0;
        gpfns.push(asGpfn(x));
      }
    }
    if (found) out.push({ kind: 'poison-checked', guest: guestId(mem.id), gpfns, values: found });
    out.push({ kind: 'pages-allocated', guest: guestId(mem.id), gpfns });
    g.drv.onReclaim(out);
    return null;
  }

  /** Back a gpfn on touch; the frame, or -1 when the host is out of frames. */
  private touch(g: GuestParts, n: number, out: Effect[]): number {
    const before = g.mem.p2m[n];
    const f = g.mem.populate(n);
    if (f >= 0 && before !== f) out.push({ kind: 'frame-mapped', guest: guestId(g.mem.id), gpfn: asGpfn(n), frame: asFrame(f) });
    return f;
  }
}

function refuse(code: ErrorCode, message: string): StepResult {
  return { outcome: 'refused', code, message, effects: [] };
}

export interface ReferenceOptions {
  /** Bug-zoo faults to switch on (impl/virtio/faults.ts); none by default. */
  faults?: readonly FaultName[];
}

/** The factory that `balloon check` uses unless told otherwise. */
export const createReferenceSystem = (config: SystemConfig): SystemUnderTest => new ReferenceSystem(config);

/** The reference implementation with bug-zoo faults switched on. */
export const referenceWithFaults = (faults: readonly FaultName[]) =>
  (config: SystemConfig): SystemUnderTest => new ReferenceSystem(config, { faults });
