/**
 * One guest of the array implementation: its memory, balloon driver, balloon device and the
 * queues between them, all in one object over plain arrays, Maps and Sets. Written from the
 * protocol (docs/families/virtio.md) and the observable behaviour of impl/, not from its code
 * layout, so that the differential test compares two readings of the same spec.
 * @internal
 */
import {
  decodeStats, encodeStats, isRam, linuxAccepts, offerOf, POISON_VAL, poisonOn, type FeatureName, type StatRecord, type VirtioFeatures, type BufferOrigin, type Effect, type Frame, type Gpfn, type GuestConfig, type GuestId, type QueueName,
  type Refusal, type SystemConfig,
} from '../../core/virtio/index.ts';
import type { ArrayHost } from './host.ts';
import { SwapList } from './swap-list.ts';

export type PageName = 'hole' | 'free' | 'used' | 'inflating' | 'ballooned' | 'deflating' | 'reported';

export interface QueuedBuffer {
  id: number;
  queue: QueueName;
  origin: BufferOrigin;
  gpfns: readonly number[];
  /** A stats buffer's entries as written (core/virtio/stats.ts). */
  bytes?: readonly number[];
  acked: boolean;
}

/** The statistics Linux sends, in its order (tags 0-3, 10-15, 8, 9, 4-7); the device knows VIRTIO 1.2's ten (0-9). */
const STATS_ORDER = [0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 8, 9, 4, 5, 6, 7];
const KNOWN_TAGS = 10;

/** Linux's VIRTIO_BALLOON_OOM_NR_PAGES: an OOM notification gives back at most this many gpfns. */
const OOM_GPFNS = 256;

const g = (n: number) => n as Gpfn;

export class ArrayGuest {
  readonly gpp: number;
  /** Size of the gpfn space (RAM plus hole). */
  readonly space: number;
  /** Per guest page (not gpfn): its state. */
  readonly pages: PageName[] = [];
  /**
   * Pages the balloon gave back whose free path owes poison_val, written at their next allocation
   * (VIRTIO 1.2 5.5.6.6.1 statement 54; Linux frees deflated pages through __free_page, whose page
   * poisoning fills them). The guest's own configuration decides whether it poisons.
   */
  readonly poisonDue = new Set<number>();
  /** gpfn to frame for backed gpfns only; a missing key is an unbacked gpfn. */
  readonly backing = new Map<number, number>();
  readonly free = new SwapList();
  readonly used = new SwapList();

  // The device side.
  target = 0;
  /** gpfns the device holds in the balloon. */
  readonly held = new Set<number>();

  // The driver side.
  actual = 0;
  wantsWork = true;
  /** Acknowledged balloon pages, a stack: the last one in is the first one out. */
  balloon: number[] = [];

  // The queues.
  buffers: QueuedBuffer[] = [];
  private nextBufferId = 1;

  /** The features the device and driver agreed at the last FEATURES_OK (VIRTIO 1.2 3.1.1); the configuration's until a reset negotiates again. */
  readonly features: VirtioFeatures;

  constructor(readonly id: GuestId, readonly cfg: GuestConfig, private readonly sys: SystemConfig, private readonly host: ArrayHost) {
    this.features = { ...cfg.features };
    this.gpp = cfg.guestPageGpfns;
    this.space = cfg.ramPages + cfg.holePages;
    for (let p = 0; p * this.gpp < this.space; p++) {
      const first = p * this.gpp;
      const inHole = first >= cfg.holeStart && first < cfg.holeStart + cfg.holePages;
      this.pages.push(inHole ? 'hole' : 'free');
      if (!inHole) this.free.add(p);
    }
    this.probe([]);
  }

  /** gpfns (4 KiB) in a page state, as the driver counts them. */
  count(state: PageName): number {
    let n = 0;
    for (const s of this.pages) if (s === state) n++;
    return n * this.gpp;
  }

  gpfnsOfPage(p: number): number[] {
    return Array.from({ length: this.gpp }, (_, x) => p * this.gpp + x);
  }

  // ---- memory -------------------------------------------------------------------------------

  /** Make sure `gpfn` has a frame (lazy population); the frame, or -1 when the host has none. */
  touch(gpfn: number, out: Effect[]): number {
    const have = this.backing.get(gpfn);
    if (have !== undefined) return have;
    const f = this.host.take(this.id, gpfn);
    if (f < 0) return -1;
    this.backing.set(gpfn, f);
    out.push({ kind: 'frame-mapped', guest: this.id, gpfn: g(gpfn), frame: f as Frame });
    return f;
  }

  unbackedGpfns(p: number): number {
    return this.gpfnsOfPage(p).filter((x) => !this.backing.has(x)).length;
  }

  // ---- queues -------------------------------------------------------------------------------

  enqueue(queue: QueueName, origin: BufferOrigin, gpfns: readonly number[], out: Effect[], bytes?: readonly number[]): QueuedBuffer {
    const b: QueuedBuffer = bytes ? { id: this.nextBufferId++, queue, origin, gpfns, bytes, acked: false } : { id: this.nextBufferId++, queue, origin, gpfns, acked: false };
    this.buffers.push(b);
    out.push({ kind: 'buffer-queued', guest: this.id, queue, id: b.id, origin, gpfns });
    return b;
  }

  /**
   * A stats buffer (VIRTIO 1.2 5.5.6.3.1): every statistic, le16 tag and le64 value. Free memory
   * and available memory are the free pages; total is RAM less the balloon (all of RAM with
   * DEFLATE_ON_OOM); the guest counts nothing else.
   */
  private postStats(out: Effect[]): void {
    const free = BigInt(this.count('free')) * 4096n;
    const held = this.features.deflateOnOom ? 0 : this.count('inflating') + this.count('ballooned') + this.count('deflating');
    const total = BigInt(Math.max(0, this.cfg.ramPages - held)) * 4096n;
    const value = (tag: number) => (tag === 4 || tag === 6 ? free : tag === 5 ? total : 0n);
    this.enqueue('stats', 'driver', [], out, encodeStats(STATS_ORDER.map((tag) => ({ tag, value: value(tag) }))));
  }

  /** Is one of the driver's own buffers (not a hostile one) on `queue`, acknowledged or not? */
  private ownBufferOn(queue: QueueName): boolean {
    return this.buffers.some((b) => b.queue === queue && b.origin !== 'hostile');
  }

  // ---- driver -------------------------------------------------------------------------------

  /** Bring the device up (VIRTIO 1.2 3.1.1): FEATURES_OK, poison_val with PAGE_POISON, the stats buffer, DRIVER_OK. */
  probe(out: Effect[], choice: { withhold?: readonly FeatureName[]; refuse?: boolean } = {}): void {
    this.wantsWork = true;
    // The device offers the configuration's features but those withheld; the driver keeps what Linux's
    // virtballoon_validate keeps. A refused FEATURES_OK is set again with the same features (3.1.1).
    const offered = offerOf(this.cfg.features, choice.withhold);
    const accepted = linuxAccepts(offered, poisonOn(this.cfg.features));
    out.push({ kind: 'device-status', guest: this.id, status: 'features-ok', offered, accepted });
    if (choice.refuse === true) {
      out.push({ kind: 'features-refused', guest: this.id });
      out.push({ kind: 'device-status', guest: this.id, status: 'features-ok', offered, accepted });
    }
    for (const k of Object.keys(this.features) as (keyof VirtioFeatures)[]) this.features[k] = accepted[k] === true;
    for (const k of Object.keys(accepted) as (keyof VirtioFeatures)[]) this.features[k] = accepted[k] === true;
    if (poisonOn(this.features)) out.push({ kind: 'poison-written', guest: this.id, value: POISON_VAL });
    if (this.features.statsVq) this.postStats(out);
    out.push({ kind: 'device-status', guest: this.id, status: 'driver-ok' });
  }

  driverStep(out: Effect[]): void {
    const ackIndex = this.buffers.findIndex((b) => b.acked);
    if (ackIndex >= 0) { this.consumeAck(ackIndex, out); return; }
    if (this.ownBufferOn('inflate') || this.ownBufferOn('deflate') || !this.wantsWork) return;
    const gpp = this.gpp;
    // Aim at whole guest pages (the 2023 arm64 oscillation fix), never past the floor (XSA-300).
    const roundedUp = Math.ceil(this.target / gpp) * gpp;
    const spare = Math.floor((this.cfg.ramPages - this.cfg.floorPages) / gpp) * gpp;
    const aim = Math.max(0, Math.min(roundedUp, spare));
    const inBalloon = this.balloon.length * gpp;
    const batch = Math.floor(this.sys.maxBatch / gpp) * gpp;
    if (aim > inBalloon) this.sendInflate(Math.min(aim - inBalloon, batch) / gpp, out);
    else if (aim < inBalloon) this.sendDeflate(Math.min(inBalloon - aim, batch) / gpp, 'driver', out);
    else this.wantsWork = false;
  }

  private sendInflate(pageCount: number, out: Effect[]): void {
    const taken: number[] = [];
    while (taken.length < pageCount && this.free.size > 0) {
      const p = this.free.last();
      this.free.delete(p);
      this.pages[p] = 'inflating';
      taken.push(p);
    }
    if (taken.length === 0) { out.push({ kind: 'out-of-puff', guest: this.id }); return; }
    this.enqueue('inflate', 'driver', taken.flatMap((p) => this.gpfnsOfPage(p)), out);
  }

  private sendDeflate(pageCount: number, origin: 'driver' | 'oom', out: Effect[]): void {
    const taken: number[] = [];
    while (taken.length < pageCount && this.balloon.length > 0) {
      const p = this.balloon.pop()!;
      this.pages[p] = 'deflating';
      taken.push(p);
    }
    if (taken.length > 0) this.enqueue('deflate', origin, taken.flatMap((p) => this.gpfnsOfPage(p)), out);
  }

  /**
   * A failed allocation: with DEFLATE_ON_OOM, give back up to 256 gpfns in one buffer, so never
   * more than the batch limit either, and only when no deflate of ours is already on its way.
   */
  outOfMemory(out: Effect[]): void {
    if (!this.features.deflateOnOom || this.ownBufferOn('deflate')) return;
    const batch = Math.floor(this.sys.maxBatch / this.gpp) * this.gpp;
    const gpfns = Math.min(OOM_GPFNS, batch, this.balloon.length * this.gpp);
    this.sendDeflate(Math.floor(gpfns / this.gpp), 'oom', out);
  }

  private consumeAck(index: number, out: Effect[]): void {
    const [b] = this.buffers.splice(index, 1);
    out.push({ kind: 'ack-consumed', guest: this.id, queue: b.queue, id: b.id });
    if (b.origin === 'hostile') return;
    if (b.queue === 'stats') { this.postStats(out); return; }
    if (b.queue === 'reporting') {
      // A free page report acknowledged: its pages are free again (VIRTIO 1.2 5.5.6.7.1).
      for (let i = 0; i < b.gpfns.length; i += this.gpp) {
        const p = b.gpfns[i] / this.gpp;
        if (this.pages[p] === 'reported') { this.pages[p] = 'free'; this.free.add(p); }
      }
      return;
    }
    const freed: Gpfn[] = [];
    for (let i = 0; i < b.gpfns.length; i += this.gpp) {
      const p = b.gpfns[i] / this.gpp;
      if (b.queue === 'inflate') {
        this.pages[p] = 'ballooned';
        this.balloon.push(p);
      } else {
        this.pages[p] = 'free';
        this.free.add(p);
        if (poisonOn(this.cfg.features)) this.poisonDue.add(p);
        for (const x of this.gpfnsOfPage(p)) freed.push(g(x));
      }
    }
    if (freed.length > 0) out.push({ kind: 'pages-freed', guest: this.id, gpfns: freed });
    // One write of `actual`, after the acknowledgement (VIRTIO 5.5.6.1).
    this.actual = this.count('ballooned') + this.count('deflating');
    out.push({ kind: 'actual-written', guest: this.id, actual: this.actual });
  }

  /** Driver unload: everything in or on its way to the balloon is the guest's again. */
  unload(): void {
    this.pages.forEach((s, p) => {
      if (s === 'inflating' || s === 'ballooned' || s === 'deflating' || s === 'reported') {
        this.pages[p] = 'free'; this.free.add(p);
        // A reported page was free, and poisoned, already (statement 59).
        if (s !== 'reported' && poisonOn(this.cfg.features)) this.poisonDue.add(p);
      }
    });
    this.balloon = [];
    this.buffers = [];
    this.actual = 0;
  }

  // ---- device -------------------------------------------------------------------------------

  /** Validate every gpfn, apply the good ones, acknowledge the buffer. */
  serve(b: QueuedBuffer, out: Effect[]): void {
    const accepted: Gpfn[] = [];
    const refused: Refusal[] = [];
    let stats: StatRecord[] | undefined;
    if (b.gpfns.length > this.sys.maxBatch && b.queue !== 'reporting') {
      for (const n of b.gpfns) refused.push({ gpfn: n, code: 'balloon/oversized-batch' });
    } else if (b.queue === 'stats') {
      // Known tags recorded in the order they come, unknown ones skipped (VIRTIO 1.2 5.5.6.3.2).
      stats = decodeStats(b.bytes ?? []).entries.filter((e) => e.tag < KNOWN_TAGS).map((e) => ({ tag: e.tag, value: e.value.toString() }));
    } else {
      // A report names free pages: in range, RAM, once (one still held may have been reused early).
      const inflating = b.queue === 'inflate';
      const report = b.queue === 'reporting';
      const inThisBuffer = new Set<number>();
      for (const n of b.gpfns) {
        const code: Refusal['code'] | null =
          !Number.isInteger(n) || n < 0 || n >= this.space ? 'balloon/gpfn-out-of-range'
            : !isRam(this.cfg, n) ? 'balloon/gpfn-not-ram'
              : inThisBuffer.has(n) ? 'balloon/gpfn-duplicate'
                : !report && inflating === this.held.has(n) ? (inflating ? 'balloon/gpfn-already-ballooned' : 'balloon/gpfn-not-ballooned')
                  : null;
        if (code) refused.push({ gpfn: n, code });
        else { inThisBuffer.add(n); accepted.push(g(n)); }
      }
      if (b.queue === 'reporting') this.dropReported(accepted, out);
      else {
        // Whole host pages are counted within one buffer (QEMU since "virtio-balloon: free pbp more aggressively").
        const perHostPage = new Map<number, number>();
        for (const n of accepted) {
          if (inflating) this.hold(n, perHostPage, out); else this.held.delete(n);
        }
      }
    }
    b.acked = true;
    out.push(stats ? { kind: 'buffer-processed', guest: this.id, queue: b.queue, id: b.id, accepted, refused, stats }
      : { kind: 'buffer-processed', guest: this.id, queue: b.queue, id: b.id, accepted, refused });
  }

  private hold(n: number, perHostPage: Map<number, number>, out: Effect[]): void {
    this.held.add(n);
    const hpg = this.sys.hostPageGpfns;
    const hp = Math.floor(n / hpg);
    const count = (perHostPage.get(hp) ?? 0) + 1;
    perHostPage.set(hp, count);
    // Discard only whole host pages (QEMU), and never under an assigned device's DMA pinning.
    if (count < hpg || this.cfg.assignedDevice) return;
    for (let x = hp * hpg; x < (hp + 1) * hpg; x++) {
      const f = this.backing.get(x);
      if (f === undefined) continue;
      this.backing.delete(x);
      this.host.give(f);
      out.push({ kind: 'frame-released', guest: this.id, gpfn: g(x), frame: f as Frame });
    }
  }

  /**
   * A reported page may be dropped before the acknowledgement (5.5.6.7.2), whole host pages only,
   * but not with PAGE_POISON (the page must keep poison_val) nor under an assigned device.
   */
  private dropReported(gpfns: readonly number[], out: Effect[]): void {
    if (this.cfg.assignedDevice || poisonOn(this.features)) return;
    const hpg = this.sys.hostPageGpfns;
    const named = new Set(gpfns);
    for (const hp of new Set(gpfns.map((n) => Math.floor(n / hpg)))) {
      const all = Array.from({ length: hpg }, (_, k) => hp * hpg + k);
      if (!all.every((x) => named.has(x))) continue;
      for (const x of all) {
        const f = this.backing.get(x);
        if (f === undefined) continue;
        this.backing.delete(x);
        this.host.give(f);
        out.push({ kind: 'frame-released', guest: this.id, gpfn: g(x), frame: f as Frame });
      }
    }
  }

  /** Device reset: tracking forgotten, target kept (QEMU). */
  resetDevice(): void {
    this.held.clear();
  }
}
