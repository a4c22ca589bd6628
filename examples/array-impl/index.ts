/**
 * A second, independently written virtio-balloon implementation of `SystemUnderTest`, kept as
 * an example of a user adapter: plain arrays, Maps and Sets instead of typed arrays, page states
 * by name, p2m as a Map of backed gpfns only. It must behave exactly as the reference one
 * (test/examples/array-impl.test.ts checks every step's result and observation), which makes it
 * a check of the spec as much as of either implementation.
 *
 * @example
 *   npx balloon check --impl examples/array-impl/index.ts
 */
import {
  configProblems, ERROR_CODES, freeBlocks, hintingOn, PageState, POISON_VAL, poisonOn, profileOf, reportingOn, reportOrderOf, UNBACKED,
  type Command, type Effect, type ErrorCode, type Gpfn, type GuestId, type GuestObservation,
  type Observation, type StepResult, type SystemConfig, type SystemFactory, type SystemUnderTest,
} from '../../core/virtio/index.ts';
import { ArrayGuest, type PageName } from './guest.ts';
import { ArrayHost } from './host.ts';
import { ArrayHinting } from './hinting.ts';
import { hintConfigFor } from '../../core/virtio/hinting.ts';

const STATE_CODE: Record<PageName, PageState> = {
  hole: PageState.Hole, free: PageState.Free, used: PageState.Used,
  inflating: PageState.Inflating, ballooned: PageState.Ballooned, deflating: PageState.Deflating,
  reported: PageState.Reported,
};

/** `n` positions in a pool of `size`, from `pick` on, wrapping: what `pick` means everywhere. */
const positions = (size: number, n: number, pick: number): number[] => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((pick % size + i) % size);
  return out;
};

class ArraySystem implements SystemUnderTest {
  private readonly host: ArrayHost;
  private readonly guests: ArrayGuest[];
  /** Per guest, its free page hinting when it negotiated FREE_PAGE_HINT (./hinting.ts). */
  private readonly hints: (ArrayHinting | null)[];
  /** Tokens written by `write` commands, one counter for the whole system. */
  private lastToken = 0;

  constructor(readonly config: SystemConfig) {
    const problems = configProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid configuration: ${problems.join('; ')}`);
    this.host = new ArrayHost(config.hostFrames, config.reservedFrames);
    this.guests = config.guests.map((cfg, i) => new ArrayGuest(i as GuestId, cfg, config, this.host));
    this.hints = config.guests.map((cfg) => (hintingOn(cfg.features) ? new ArrayHinting(hintConfigFor(profileOf(config))) : null));
  }

  apply(c: Command): StepResult {
    const guest = this.guests[c.guest];
    if (!guest) return { outcome: 'refused', code: 'guest/unknown', message: `no guest ${c.guest}`, effects: [] };
    const effects: Effect[] = [];
    const code = this.run(c, guest, effects);
    if (code === null) return { outcome: 'accepted', effects };
    return { outcome: 'refused', code, message: ERROR_CODES[code], effects };
  }

  private run(c: Command, guest: ArrayGuest, out: Effect[]): ErrorCode | null {
    switch (c.kind) {
      case 'set-target': {
        if (!Number.isInteger(c.pages) || c.pages < 0) return 'device/bad-target';
        guest.target = Math.min(c.pages, guest.cfg.ramPages);
        guest.wantsWork = true;
        out.push({ kind: 'target-set', guest: guest.id, requested: c.pages, target: guest.target });
        return null;
      }
      case 'driver':
        guest.driverStep(out);
        return null;
      case 'device': {
        if (c.queue === 'stats' && !guest.features.statsVq) return 'device/no-stats-queue';
        if (c.queue === 'reporting' && !reportingOn(guest.features)) return 'device/no-reporting-queue';
        const b = guest.buffers.find((x) => x.queue === c.queue && !x.acked);
        if (!b) return 'device/queue-empty';
        guest.serve(b, out);
        return null;
      }
      case 'alloc': return this.alloc(guest, c.pages, c.pick, out);
      case 'free': {
        const n = Math.min(c.pages, guest.used.size);
        if (n <= 0) return 'guest/no-used-pages';
        const chosen = positions(guest.used.size, n, c.pick).map((i) => guest.used.at(i));
        const gpfns: Gpfn[] = [];
        for (const p of chosen) {
          guest.used.delete(p);
          guest.free.add(p);
          guest.pages[p] = 'free';
          gpfns.push(...guest.gpfnsOfPage(p) as Gpfn[]);
        }
        out.push({ kind: 'pages-freed', guest: guest.id, gpfns });
        return null;
      }
      case 'write':
      case 'read': {
        if (guest.used.size === 0) return 'guest/no-used-pages';
        const page = guest.used.at(c.pick % guest.used.size);
        const at = (page * guest.gpp + Math.floor(c.pick / guest.used.size) % guest.gpp) as Gpfn;
        const f = guest.touch(at, out);
        if (f < 0) return 'host/out-of-frames';
        if (c.kind === 'write') {
          this.host.content[f] = ++this.lastToken;
          out.push({ kind: 'wrote', guest: guest.id, gpfn: at, token: this.lastToken });
        } else {
          out.push({ kind: 'read', guest: guest.id, gpfn: at, value: this.host.content[f] });
        }
        return null;
      }
      case 'reset':
        guest.unload();
        guest.resetDevice();
        out.push({ kind: 'reset', guest: guest.id }, { kind: 'actual-written', guest: guest.id, actual: 0 });
        guest.probe(out, c);
        return null;
      case 'report': return this.report(guest, c.pages, c.pick, out);
      case 'hint': {
        const h = this.hints[c.guest];
        if (!h) return 'device/no-hinting';
        const r = h.apply(c.op);
        out.push({ kind: 'hinting', guest: guest.id, effects: r.effects });
        return r.outcome === 'refused' ? r.code : null;
      }
      case 'hostile': {
        // Posted, served at once and its acknowledgement dropped: judged against the device's
        // state at this moment (core/virtio/commands.ts).
        // The bad buffer comes with the command (the testbed builds it: properties/hostile.ts).
        const { queue, gpfns } = c;
        if (!queue || !gpfns) return 'device/no-buffer';
        const b = guest.enqueue(queue, 'hostile', gpfns, out);
        guest.serve(b, out);
        guest.buffers = guest.buffers.filter((x) => x !== b);
        out.push({ kind: 'ack-consumed', guest: guest.id, queue, id: b.id });
        return null;
      }
    }
  }

  /**
   * Free page reporting (VIRTIO 1.2 5.5.6.7.1): free pages off the free list until the device
   * acknowledges, in whole aligned blocks of 2^reportOrder guest pages as Linux reports buddy
   * blocks of page_reporting_order (statement 62; core/virtio/reporting.ts), the first
   * ceil(pages / 2^reportOrder) found free from the pick on; with PAGE_POISON each holds
   * poison_val first (statement 59), which backs it.
   */
  private report(guest: ArrayGuest, pages: number, pick: number, out: Effect[]): ErrorCode | null {
    if (!reportingOn(guest.features)) return 'device/no-reporting-queue';
    if (!Number.isInteger(pages) || pages < 1 || guest.free.size === 0) return 'guest/nothing-to-report';
    const order = reportOrderOf(guest.cfg);
    const walk = positions(guest.free.size, guest.free.size, pick).map((i) => guest.free.at(i));
    const gpfns = freeBlocks(guest.cfg, order, walk, (x) => guest.pages[Math.floor(x / guest.gpp)] === 'free', Math.ceil(pages / 2 ** order));
    if (gpfns.length === 0) return 'guest/nothing-to-report';
    const chosen = gpfns.filter((x) => x % guest.gpp === 0).map((x) => x / guest.gpp);
    const poison = poisonOn(guest.features);
    if (poison && chosen.reduce((sum, p) => sum + guest.unbackedGpfns(p), 0) > this.host.freeCount) return 'host/out-of-frames';
    for (const p of chosen) {
      guest.free.delete(p);
      guest.pages[p] = 'reported';
      guest.poisonDue.delete(p); // the report's own fill stands for the free path's (statement 59)
      if (poison) for (const x of guest.gpfnsOfPage(p)) this.host.content[guest.touch(x, out)] = POISON_VAL;
    }
    guest.enqueue('reporting', 'driver', chosen.flatMap((p) => guest.gpfnsOfPage(p)), out);
    return null;
  }

  /** All or nothing: enough free guest pages, and enough host frames to back them. */
  private alloc(guest: ArrayGuest, pages: number, pick: number, out: Effect[]): ErrorCode | null {
    if (!Number.isInteger(pages) || pages < 1) return 'guest/oom';
    if (guest.free.size < pages) { guest.outOfMemory(out); return 'guest/oom'; }
    const chosen = positions(guest.free.size, pages, pick).map((i) => guest.free.at(i));
    const framesNeeded = chosen.reduce((sum, p) => sum + guest.unbackedGpfns(p), 0);
    if (framesNeeded > this.host.freeCount) return 'host/out-of-frames';
    const gpfns: Gpfn[] = [];
    const poisoned: number[] = [];
    for (const p of chosen) {
      guest.free.delete(p);
      guest.used.add(p);
      guest.pages[p] = 'used';
      const due = guest.poisonDue.delete(p);
      for (const x of guest.gpfnsOfPage(p)) {
        const f = guest.touch(x, out);
        if (due) this.host.content[f] = POISON_VAL; // the fill the free path owed a page the balloon gave back (statement 54)
        poisoned.push(this.host.content[f]); // what a poisoning guest checks before it zeroes
        this.host.content[f] = 0; // allocation zeroes the page
        gpfns.push(x as Gpfn);
      }
    }
    if (poisonOn(guest.cfg.features)) out.push({ kind: 'poison-checked', guest: guest.id, gpfns, values: poisoned });
    out.push({ kind: 'pages-allocated', guest: guest.id, gpfns });
    return null;
  }

  /** A fresh snapshot every call (not live views): simple, and O(memory) per call. */
  observe(): Observation {
    return {
      host: {
        totalFrames: this.host.total,
        reservedFrames: this.host.reserved,
        freeFrames: this.host.freeCount,
        owner: Int32Array.from(this.host.owner),
        ownerGpfn: Int32Array.from(this.host.ownerGpfn),
      },
      guests: this.guests.map((g, i) => observeGuest(g, this.hints[i])),
    };
  }
}

function observeGuest(g: ArrayGuest, hinting: ArrayHinting | null): GuestObservation {
  const p2m = new Int32Array(g.space).fill(UNBACKED);
  for (const [gpfn, f] of g.backing) p2m[gpfn] = f;
  const pageState = new Uint8Array(g.space);
  g.pages.forEach((s, p) => pageState.fill(STATE_CODE[s], p * g.gpp, (p + 1) * g.gpp));
  const hostBallooned = new Uint8Array(g.space);
  for (const n of g.held) hostBallooned[n] = 1;
  return {
    target: g.target,
    actual: g.actual,
    features: g.features,
    p2m,
    // The assigned device's IOMMU maps exactly what the CPU maps: both change together here.
    dmaView: g.cfg.assignedDevice ? p2m.slice() : null,
    pageState,
    hostBallooned,
    inflight: g.buffers.map((b) => (b.bytes ? { id: b.id, queue: b.queue, origin: b.origin, gpfns: b.gpfns, bytes: b.bytes, acked: b.acked }
      : { id: b.id, queue: b.queue, origin: b.origin, gpfns: b.gpfns, acked: b.acked })),
    counts: {
      free: g.count('free'), used: g.count('used'), inflating: g.count('inflating'),
      ballooned: g.count('ballooned'), deflating: g.count('deflating'),
    },
    ...(hinting ? { hinting: hinting.observe() } : {}),
  };
}

/** The example's factory: `--impl examples/array-impl/index.ts` loads this default export. */
const createArraySystem: SystemFactory = (config) => new ArraySystem(config);
export default createArraySystem;
