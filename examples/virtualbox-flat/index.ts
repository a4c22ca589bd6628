/**
 * An example VirtualBox implementation, written apart from impl/virtualbox on purpose: what a
 * user who wraps their own Guest Additions balloon or VMMDev model hands to `balloon check
 * --family virtualbox --impl examples/virtualbox-flat/index.ts`. It imports core/ only, keeps each
 * guest in flat arrays scanned linearly, hands out the highest free frame first and inflates with
 * the highest free pages, so its runs differ from the reference's in every gpfn and frame while
 * keeping every rule the properties check (docs/families/virtualbox.md).
 *
 * The guest follows VBoxGuest.cpp: told of the balloon event it fetches the wanted size
 * (refusing one above its maximum chunk count), then one chunk a step, inflating upward and
 * deflating from the top, a chunk's pages freed only after the host did its deflate. The host
 * checks a whole request first (one chunk, aligned RAM pages, not yet / still ballooned), does it
 * inline with one CPU and queues it for an EMT with several.
 */
import { FRAME_FREE, FRAME_RESERVED, frame, gpfn, guestId, isRam, PageState, UNBACKED, type GuestId } from '../../core/index.ts';
import {
  maxChunksOf, physChunksOf, VBOX_ERROR_CODES, VBOX_ZERO_FRAME, vboxConfigProblems, type VboxCommand, type VboxEffect, type VboxErrorCode,
  type VboxGuestConfig, type VboxObservation, type VboxRefusal, type VboxRequest, type VboxStatus, type VboxStepResult, type VboxSystemConfig,
} from '../../core/virtualbox/index.ts';

interface Change { inflate: boolean; gpfns: number[]; driver: boolean }

class Guest {
  readonly p2m: Int32Array;
  readonly state: Uint8Array;
  readonly held: Uint8Array;
  chunks: number[][] = [];
  maxChunks = 0;
  wanted = 0;
  told = true;
  inFlight: Change | null = null;
  closing = false;
  hostWanted = 0;
  eventPending = false;
  ballooned = 0;
  queue: Change[] = [];
  armed: VboxRefusal[] = [];

  constructor(readonly id: number, readonly cfg: VboxGuestConfig) {
    const space = cfg.ramPages + cfg.holePages;
    this.p2m = new Int32Array(space).fill(UNBACKED);
    this.state = new Uint8Array(space);
    this.held = new Uint8Array(space);
    for (let n = 0; n < space; n++) this.state[n] = isRam(cfg, n) ? PageState.Free : PageState.Hole;
  }

  /** Gpfns in `s`, ascending. */
  inState(s: PageState): number[] {
    const out: number[] = [];
    for (let n = 0; n < this.state.length; n++) if (this.state[n] === s) out.push(n);
    return out;
  }
}

export class FlatVboxSystem {
  private readonly owner: Int32Array;
  private readonly ownerGpfn: Int32Array;
  private readonly content: Int32Array;
  private readonly guests: Guest[];
  private readonly cp: number;
  private token = 0;

  constructor(readonly config: VboxSystemConfig) {
    const problems = vboxConfigProblems(config);
    if (problems.length > 0) throw new RangeError(`invalid VirtualBox configuration: ${problems.join('; ')}`);
    this.owner = new Int32Array(config.hostFrames).fill(FRAME_FREE);
    this.ownerGpfn = new Int32Array(config.hostFrames).fill(-1);
    this.content = new Int32Array(config.hostFrames);
    for (let f = 0; f < config.reservedFrames; f++) this.owner[f] = FRAME_RESERVED; // frame 0: the zero page
    this.guests = config.guests.map((g, i) => new Guest(i, g));
    this.cp = config.chunkPages;
  }

  private freeFrames(): number { let n = 0; for (const o of this.owner) if (o === FRAME_FREE) n++; return n; }

  observe(): VboxObservation {
    return {
      host: { totalFrames: this.config.hostFrames, reservedFrames: this.config.reservedFrames, freeFrames: this.freeFrames(), owner: this.owner, ownerGpfn: this.ownerGpfn },
      guests: this.guests.map((g) => {
        const count = (s: PageState) => g.state.reduce((k, x) => k + (x === s ? 1 : 0), 0);
        return {
          target: g.hostWanted * this.cp, actual: g.chunks.length * this.cp, p2m: g.p2m, dmaView: null, pageState: g.state, hostBallooned: g.held,
          counts: { free: count(PageState.Free), used: count(PageState.Used), inflating: count(PageState.Inflating), ballooned: count(PageState.Ballooned), deflating: count(PageState.Deflating) },
          virtualbox: {
            driver: { chunks: g.chunks.length, maxChunks: g.maxChunks, wanted: g.wanted, told: g.told, inFlight: g.inFlight ? (g.inFlight.inflate ? 'inflate' : 'deflate') : null, closing: g.closing },
            host: { wanted: g.hostWanted, eventPending: g.eventPending, ballooned: g.ballooned, queue: g.queue.map((c) => ({ inflate: c.inflate, pages: c.gpfns.length })), armed: g.armed.length, zeroFrame: VBOX_ZERO_FRAME },
          },
        };
      }),
    };
  }

  apply(c: VboxCommand): VboxStepResult {
    const g = this.guests[c.guest];
    if (!g) return { outcome: 'refused', code: 'guest/unknown', message: VBOX_ERROR_CODES['guest/unknown'], effects: [] };
    const out: VboxEffect[] = [];
    const code = this.run(g, c, out);
    return code ? { outcome: 'refused', code, message: VBOX_ERROR_CODES[code], effects: out } : { outcome: 'accepted', effects: out };
  }

  private run(g: Guest, c: VboxCommand, out: VboxEffect[]): VboxErrorCode | null {
    const id = guestId(g.id);
    switch (c.kind) {
      case 'set-target':
        if (!Number.isInteger(c.chunks) || c.chunks < 0) return 'virtualbox/bad-target';
        g.hostWanted = Math.min(c.chunks, physChunksOf(g.cfg, this.cp));
        g.eventPending = true;
        out.push({ kind: 'target-set', guest: id, requested: c.chunks * this.cp, target: g.hostWanted * this.cp }, { kind: 'balloon-event', guest: id, step: 'raised' });
        return null;
      case 'deliver':
        if (g.eventPending && !g.told) { g.told = true; out.push({ kind: 'balloon-event', guest: id, step: 'delivered' }); }
        return null;
      case 'step': this.step(g, id, out); return null;
      case 'apply': {
        const ch = g.queue.shift();
        if (!ch) return 'virtualbox/nothing-queued';
        this.pgm(g, id, ch, out);
        if (ch.driver && g.inFlight === ch) { g.inFlight = null; this.completed(g, id, ch, out); }
        return null;
      }
      case 'refuse':
        if (g.armed.length >= 4) return 'virtualbox/armed-full';
        g.armed.push(c.status);
        out.push({ kind: 'armed', guest: id, status: c.status });
        return null;
      case 'close': g.closing = true; out.push({ kind: 'session', guest: id, step: 'closing' }); return null;
      case 'alloc': {
        const free = g.inState(PageState.Free);
        if (!Number.isInteger(c.pages) || c.pages < 1 || free.length < c.pages) return 'guest/oom';
        const chosen = Array.from({ length: c.pages }, (_, i) => free[(c.pick + i) % free.length]);
        if (chosen.filter((n) => g.p2m[n] === UNBACKED).length > this.freeFrames()) return 'host/out-of-frames';
        for (const n of chosen) { g.state[n] = PageState.Used; const f = this.touch(g, id, n, out); this.content[f] = 0; }
        out.push({ kind: 'pages-allocated', guest: id, gpfns: chosen.map(gpfn) });
        return null;
      }
      case 'free': {
        const used = g.inState(PageState.Used);
        const n = Math.min(c.pages, used.length);
        if (!(n > 0)) return 'guest/no-used-pages';
        const chosen = Array.from({ length: n }, (_, i) => used[(c.pick + i) % used.length]);
        for (const x of chosen) g.state[x] = PageState.Free;
        out.push({ kind: 'pages-freed', guest: id, gpfns: chosen.map(gpfn) });
        return null;
      }
      case 'write': case 'read': {
        const used = g.inState(PageState.Used);
        if (used.length === 0) return 'guest/no-used-pages';
        const n = used[c.pick % used.length];
        const f = this.touch(g, id, n, out);
        if (f < 0) return 'host/out-of-frames';
        if (c.kind === 'write') { this.content[f] = ++this.token; out.push({ kind: 'wrote', guest: id, gpfn: gpfn(n), token: this.token }); }
        else out.push({ kind: 'read', guest: id, gpfn: gpfn(n), value: this.content[f] });
        return null;
      }
      case 'hostile':
        if (!c.req) return 'virtualbox/no-request';
        this.request(g, id, c.req, false, out);
        return null;
    }
  }

  /** A page's own frame, mapped on first touch (the highest free frame); -1 when the host has none. */
  private touch(g: Guest, id: GuestId, n: number, out: VboxEffect[]): number {
    if (g.p2m[n] !== UNBACKED) return g.p2m[n];
    for (let f = this.owner.length - 1; f >= 0; f--) {
      if (this.owner[f] !== FRAME_FREE) continue;
      this.owner[f] = g.id; this.ownerGpfn[f] = n; this.content[f] = 0; g.p2m[n] = f;
      out.push({ kind: 'frame-mapped', guest: id, gpfn: gpfn(n), frame: frame(f) });
      return f;
    }
    return -1;
  }

  private step(g: Guest, id: GuestId, out: VboxEffect[]): void {
    if (g.inFlight) return;
    if (g.closing) {
      if (g.chunks.length > 0) { this.deflate(g, id, out); return; }
      g.closing = false; g.maxChunks = 0; g.wanted = 0; g.told = true;
      out.push({ kind: 'session', guest: id, step: 'closed' });
      return;
    }
    if (g.told) {
      g.told = false; g.eventPending = false;
      g.maxChunks = maxChunksOf(g.cfg, this.cp);
      const accepted = g.hostWanted <= g.maxChunks;
      if (accepted) g.wanted = g.hostWanted;
      out.push({ kind: 'get-balloon-req', guest: id, wanted: g.hostWanted, physChunks: physChunksOf(g.cfg, this.cp), accepted });
      return;
    }
    if (g.maxChunks === 0) return;
    if (g.chunks.length < g.wanted) {
      const free = g.inState(PageState.Free);
      if (free.length < this.cp) { out.push({ kind: 'out-of-puff', guest: id }); return; }
      const pages = free.slice(free.length - this.cp);
      for (const n of pages) g.state[n] = PageState.Inflating;
      this.request(g, id, { inflate: true, addrs: pages.map((n) => n * 4096) }, true, out, pages);
    } else if (g.chunks.length > g.wanted) this.deflate(g, id, out);
  }

  private deflate(g: Guest, id: GuestId, out: VboxEffect[]): void {
    const pages = g.chunks[g.chunks.length - 1];
    for (const n of pages) g.state[n] = PageState.Deflating;
    this.request(g, id, { inflate: false, addrs: pages.map((n) => n * 4096) }, true, out, pages);
  }

  /** VMMDevReq_ChangeMemBalloon: checked whole, then failed, done inline (one CPU) or queued. */
  private request(g: Guest, id: GuestId, req: VboxRequest, driver: boolean, out: VboxEffect[], pages: number[] = []): void {
    const gpfns = req.addrs.map((a) => Math.floor(a / 4096));
    const aligned = req.addrs.every((a) => a % 4096 === 0);
    const ok = req.addrs.length === this.cp && aligned && new Set(gpfns).size === gpfns.length
      && gpfns.every((n) => isRam(g.cfg, n) && (req.inflate ? !g.held[n] : g.held[n] === 1));
    let rc: VboxStatus = ok ? 'VINF_SUCCESS' : 'VERR_INVALID_PARAMETER';
    if (ok && g.armed.length > 0) rc = g.armed.shift()!;
    const queued = rc === 'VINF_SUCCESS' && g.cfg.cpus > 1;
    out.push({ kind: 'change-balloon', guest: id, origin: driver ? 'driver' : 'hostile', inflate: req.inflate, gpfns, aligned, rc, queued });
    // A request from anyone but the driver is done (when valid) without telling the driver.
    const ch: Change = { inflate: req.inflate, gpfns: driver ? pages : gpfns, driver };
    if (rc !== 'VINF_SUCCESS') {
      for (const n of pages) g.state[n] = req.inflate ? PageState.Free : PageState.Ballooned;
      return;
    }
    if (queued) { g.queue.push(ch); if (driver) g.inFlight = ch; return; }
    this.pgm(g, id, ch, out);
    if (driver) this.completed(g, id, ch, out);
  }

  /** PGM: inflate frees each frame (the page reads the zero page), deflate unmarks. */
  private pgm(g: Guest, id: GuestId, ch: Change, out: VboxEffect[]): void {
    for (const n of ch.gpfns) {
      g.held[n] = ch.inflate ? 1 : 0;
      const f = g.p2m[n];
      if (ch.inflate && f !== UNBACKED) {
        g.p2m[n] = UNBACKED; this.owner[f] = FRAME_FREE; this.ownerGpfn[f] = -1;
        out.push({ kind: 'frame-released', guest: id, gpfn: gpfn(n), frame: frame(f) });
      }
    }
    g.ballooned += ch.inflate ? ch.gpfns.length : -ch.gpfns.length;
    out.push({ kind: 'balloon-applied', guest: id, inflate: ch.inflate, pages: ch.gpfns.length });
  }

  /** The guest learns its request was done: the chunk counts, or its pages go back. */
  private completed(g: Guest, id: GuestId, ch: Change, out: VboxEffect[]): void {
    if (ch.inflate) { for (const n of ch.gpfns) g.state[n] = PageState.Ballooned; g.chunks.push(ch.gpfns); }
    else { for (const n of ch.gpfns) g.state[n] = PageState.Free; g.chunks.pop(); }
    out.push({ kind: 'actual-written', guest: id, actual: g.chunks.length * this.cp });
  }
}

/** The module's factory, as `--impl` loads it. */
export default function createSystem(config: VboxSystemConfig): FlatVboxSystem {
  return new FlatVboxSystem(config);
}
