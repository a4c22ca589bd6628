/**
 * The guest's balloon driver, after Linux's drivers/virtio/virtio_balloon.c: on a config change
 * it works toward the target one batch at a time, waits for each acknowledgement, then writes
 * `actual` (VIRTIO 5.5.6.1). It aligns the target to whole guest pages (the 2023 arm64 fix), keeps
 * the guest's floor (XSA-300), and deflates on OOM only when DEFLATE_ON_OOM was negotiated.
 */
import {
  encodeStats, frame as asFrame, freeBlocks, gpfn as asGpfn, guestId, linuxAccepts, offerOf, PageState, POISON_VAL, poisonOn, reportingOn, reportOrderOf, type Effect, type FeatureName,
  type ErrorCode, type Gpfn, type GuestConfig, type StatEntry, type SystemConfig,
} from '../../core/virtio/index.ts';
import type { BalloonDevice } from './device.ts';
import type { Faults } from './faults.ts';
import type { GuestMemory } from '../guest-memory.ts';
import { IndexSet } from '../index-set.ts';
import type { Buffer, VirtQueues } from './virtqueue.ts';

/** Linux deflates this many 4 KiB pages per OOM notification (VIRTIO_BALLOON_OOM_NR_PAGES). */
export const OOM_DEFLATE_GPFNS = 256;

export class BalloonDriver {
  actual = 0;
  /** Set by a config-change interrupt; cleared once the balloon reaches the target. */
  wantsWork = true;
  /** Guest pages in the balloon, acknowledged; LIFO like Linux's balloon page list. */
  readonly balloon: IndexSet;
  /** oom-deadlock: the OOM notifier and the inflating worker wait on each other for ever. */
  private deadlocked = false;
  /** oom-deadlock's flag, which no observation shows (ReferenceSystem.hiddenKey). */
  get isDeadlocked(): boolean { return this.deadlocked; }
  /**
   * Per guest page: the balloon gave it back to the allocator and the guest's free path owes it
   * poison_val (VIRTIO 1.2 5.5.6.6.1 statement 54; Linux frees deflated pages through
   * __free_page, whose page poisoning fills them). The fill is written when the page is next
   * touched, at its allocation (ReferenceSystem.alloc): its frame may be unpopulated since the
   * inflate, and populating it needs a host frame, which allocation accounts for. Nothing else
   * reads a free page in between. Hidden from the observation (ReferenceSystem.hiddenKey).
   */
  readonly poisonDue: Uint8Array;

  constructor(
    private readonly sys: SystemConfig,
    private readonly cfg: GuestConfig,
    private readonly mem: GuestMemory,
    private readonly dev: BalloonDevice,
    private readonly q: VirtQueues,
    private readonly f: Faults,
  ) {
    this.balloon = new IndexSet(mem.space / mem.gpp);
    this.poisonDue = new Uint8Array(mem.space / mem.gpp);
  }

  /** The guest poisons its free pages (its configuration's PAGE_POISON, whatever a reload negotiated). */
  get poisons(): boolean { return poisonOn(this.cfg.features); }

  /** A page leaves the balloon for the allocator: a poisoning guest's free path owes it poison_val (statement 54), unless deflate-unpoisoned. */
  private released(p: number): void {
    if (this.poisons && !this.f['deflate-unpoisoned']) this.poisonDue[p] = 1;
  }

  /** A probe ran before: the next one is a reload after a reset (Linux virtballoon_restore). */
  private probed = false;

  /**
   * Probe (Linux virtballoon_probe), or reload after a reset (virtballoon_restore). Features first
   * (VIRTIO 1.2 3.1.1 steps 3 to 6; core/virtio/negotiation.ts): the device offers the
   * configuration's features without those `withhold` names; the driver accepts what Linux's
   * virtballoon_validate keeps of the offer and sets FEATURES_OK; a device that refuses it (the
   * workload's `refuse`) is given a second attempt with the same subset, as a driver rebound after
   * its failed probe (3.1.1: "it can reset the device later to restart"). Then, with PAGE_POISON,
   * poison_val (5.5.6.6.1, statement 55); with STATS_VQ the first stats buffer (init_vqs, statement
   * 26); then DRIVER_OK (virtio_device_ready). The first probe is the run's start: the
   * configuration's features, offered and accepted.
   */
  probe(out: Effect[], choice: { withhold?: readonly FeatureName[]; refuse?: boolean } = {}): void {
    const reload = this.probed;
    this.probed = true;
    this.wantsWork = true;
    this.statsSent = 0;
    const g = guestId(this.mem.id);
    const offered = offerOf(this.cfg.features, choice.withhold);
    // accept-unoffered: the driver keeps the set it negotiated before, whatever the device offers now.
    const accepted = this.f['accept-unoffered'] ? { ...this.cfg.features }
      : this.f['report-without-poison'] ? { ...offered, pagePoison: offered.pagePoison === true && poisonOn(this.cfg.features) }
      : linuxAccepts(offered, poisonOn(this.cfg.features));
    out.push({ kind: 'device-status', guest: g, status: 'features-ok', offered, accepted });
    if (!this.dev.featuresOk(accepted, choice.refuse === true)) {
      out.push({ kind: 'features-refused', guest: g });
      // ignore-refusal: the driver goes on as if FEATURES_OK had stuck, with the features it wanted.
      if (this.f['ignore-refusal']) this.dev.featuresOk(accepted, false);
      else {
        out.push({ kind: 'device-status', guest: g, status: 'features-ok', offered, accepted });
        this.dev.featuresOk(accepted, false);
      }
    }
    const poison = poisonOn(this.dev.features);
    const late = this.f['poison-after-driver-ok'];
    if (poison && !late && !(reload && this.f['restore-skips-poison'])) this.writePoison(out);
    if (this.dev.features.statsVq) this.postStats(out);
    out.push({ kind: 'device-status', guest: g, status: 'driver-ok' });
    if (poison && late) this.writePoison(out);
  }

  /** Write poison_val into the device's configuration: the value the guest poisons free pages with. */
  private writePoison(out: Effect[]): void {
    this.dev.poisonVal = POISON_VAL;
    out.push({ kind: 'poison-written', guest: guestId(this.mem.id), value: POISON_VAL });
  }

  /** One step: consume the oldest acknowledgement, else send the next batch toward the target. */
  step(out: Effect[]): void {
    if (this.deadlocked) return;
    const ack = this.q.nextAck();
    if (ack) return this.consume(ack, out);
    if (this.q.pending('inflate') || this.q.pending('deflate') || !this.wantsWork) return;
    const want = this.wanted();
    const have = this.balloon.size * this.mem.gpp;
    if (want > have) this.inflate(Math.min(want - have, this.batchGpfns()), out);
    else if (want < have) this.deflate(Math.min(have - want, this.batchGpfns()), 'driver', out);
    else this.wantsWork = false;
  }

  /** The balloon size the driver aims for: the target rounded up to whole guest pages, kept above the floor. */
  wanted(): number {
    const gpp = this.mem.gpp;
    const aligned = this.f['unaligned-target'] ? this.dev.target : Math.ceil(this.dev.target / gpp) * gpp;
    const floor = this.f['unbounded-balloon'] ? 0 : this.cfg.floorPages;
    const ceiling = Math.floor((this.cfg.ramPages - floor) / gpp) * gpp;
    return Math.max(0, Math.min(aligned, ceiling));
  }

  private batchGpfns(): number {
    return Math.floor(this.sys.maxBatch / this.mem.gpp) * this.mem.gpp;
  }

  private inflate(gpfns: number, out: Effect[]): void {
    const pages: number[] = [];
    for (let k = this.pagesFor(gpfns); k > 0 && this.mem.free.size > 0; k--) {
      const p = this.mem.free.last();
      this.mem.free.delete(p);
      this.mem.setPage(p, PageState.Inflating);
      pages.push(p);
    }
    // "Out of puff": no free page to give; Linux retries later, the flag stays set.
    if (pages.length === 0) {
      if (this.f['cancelled-busy-loop']) { this.queue('inflate', 'driver', [], out); return; }
      out.push({ kind: 'out-of-puff', guest: guestId(this.mem.id) });
      return;
    }
    let sent = this.gpfnsOf(pages);
    if (this.f['fill-wrong-gpfns']) {
      const n = this.mem.space / this.mem.gpp;
      sent = this.gpfnsOf(pages.map((p) => (p + 1) % n));
    }
    if (this.f['pfn-byte-order']) sent = sent.map(bswap32);
    this.queue('inflate', 'driver', sent, out);
    if (this.f['actual-before-ack']) {
      this.actual = this.mem.counts.ballooned + this.mem.counts.inflating + this.mem.counts.deflating;
      out.push({ kind: 'actual-written', guest: guestId(this.mem.id), actual: this.actual });
    }
  }

  /** Whole guest pages for `gpfns`: exact when aligned; the unaligned-target fault rounds up. */
  private pagesFor(gpfns: number): number {
    return this.f['unaligned-target'] ? Math.ceil(gpfns / this.mem.gpp) : Math.floor(gpfns / this.mem.gpp);
  }

  private deflate(gpfns: number, origin: 'driver' | 'oom', out: Effect[]): void {
    const pages: number[] = [];
    const early = this.f['reuse-before-ack'] && this.dev.features.mustTellHost;
    for (let k = this.pagesFor(gpfns); k > 0 && this.balloon.size > 0; k--) {
      const p = this.balloon.last();
      this.balloon.delete(p);
      this.mem.setPage(p, early ? PageState.Free : PageState.Deflating);
      if (early) { this.mem.free.add(p); this.released(p); }
      pages.push(p);
    }
    if (pages.length > 0) this.queue('deflate', origin, this.gpfnsOf(pages), out);
  }

  /**
   * The guest could not allocate: with DEFLATE_ON_OOM the OOM notifier gives back up to 256
   * gpfns (one batch, so never more than the batch limit). It does not set `wantsWork`: the balloon stays small until the host sets a target
   * again (as Linux does; the re-inflate loop was the 2020 bug).
   */
  onOom(out: Effect[]): void {
    if (!this.dev.features.deflateOnOom || this.q.pending('deflate')) return;
    if (this.f['oom-deadlock'] && this.q.pending('inflate')) { this.deadlocked = true; return; }
    const n = Math.min(OOM_DEFLATE_GPFNS, this.batchGpfns(), this.balloon.size * this.mem.gpp);
    this.deflate(Math.floor(n / this.mem.gpp) * this.mem.gpp, 'oom', out);
  }

  /**
   * Free page reporting (VIRTIO 1.2 5.5.6.7.1; Linux page_reporting_cycle isolates free blocks,
   * virtballoon_free_page_report sends them): free guest pages leave the free list until the
   * acknowledgement (statement 60), in whole aligned blocks of 2^reportOrder guest pages, as Linux
   * reports only free buddy blocks of page_reporting_order and up (statement 62;
   * core/virtio/reporting.ts): walking the free list from the page `pick` names, the first
   * ceil(pages / 2^reportOrder) blocks that are free whole. With PAGE_POISON each page is filled
   * with poison_val first (statement 59: Linux poisons a page when it is freed, so every free page
   * already holds it; here the fill happens at the report, populating a page never touched).
   */
  report(pages: number, pick: number, out: Effect[]): ErrorCode | null {
    if (!reportingOn(this.dev.features)) return 'device/no-reporting-queue';
    const free = this.mem.free;
    if (!Number.isInteger(pages) || pages < 1 || free.size === 0) return 'guest/nothing-to-report';
    // report-below-order: the driver reports single free pages whatever its report order.
    const order = this.f['report-below-order'] ? 0 : reportOrderOf(this.cfg);
    const start = pick % free.size;
    const walk = function* () { for (let i = 0; i < free.size; i++) yield free.at((start + i) % free.size); };
    const gpp = this.mem.gpp;
    const state = this.mem.pageState;
    const gpfns = freeBlocks(this.cfg, order, walk(), (x) => state[x] === PageState.Free, Math.ceil(pages / 2 ** order));
    if (gpfns.length === 0) return 'guest/nothing-to-report';
    const chosen: number[] = [];
    for (let i = 0; i < gpfns.length; i += gpp) chosen.push(gpfns[i] / gpp);
    const poison = poisonOn(this.dev.features) && !this.f['report-unpoisoned'];
    if (poison) {
      let needed = 0;
      for (const p of chosen) needed += this.mem.unbackedIn(p);
      if (needed > this.mem.host.freeCount) return 'host/out-of-frames';
    }
    const g = guestId(this.mem.id);
    for (const p of chosen) {
      this.mem.free.delete(p);
      this.mem.setPage(p, PageState.Reported);
      // The report's own fill below stands for the free path's (poisonDue): one fill, at the report (statement 59).
      this.poisonDue[p] = 0;
      if (!poison) continue;
      for (let x = p * this.mem.gpp; x < (p + 1) * this.mem.gpp; x++) {
        const before = this.mem.p2m[x];
        const f = this.mem.populate(x);
        if (before !== f) out.push({ kind: 'frame-mapped', guest: g, gpfn: asGpfn(x), frame: asFrame(f) });
        this.mem.host.content[f] = POISON_VAL | 0;
      }
    }
    this.queue('reporting', 'driver', this.gpfnsOf(chosen), out);
    return null;
  }

  private consume(b: Buffer, out: Effect[]): void {
    this.q.remove(b);
    const g = guestId(this.mem.id);
    out.push({ kind: 'ack-consumed', guest: g, queue: b.queue, id: b.id });
    if (b.origin === 'hostile') return;
    // A used stats buffer is refilled and made available again (5.5.6.3.1 statement 27; Linux
    // stats_handle_request).
    if (b.queue === 'stats') { if (!this.f['stats-not-reposted']) this.postStats(out); return; }
    if (b.queue === 'reporting') {
      // Reported pages go back to the free list once the device acknowledged them (Linux
      // page_reporting_drain); the guest may allocate them from now on.
      for (let i = 0; i < b.gpfns.length; i += this.mem.gpp) {
        const p = Math.floor(b.gpfns[i] / this.mem.gpp);
        if (this.mem.pageState[p * this.mem.gpp] !== PageState.Reported) continue;
        this.mem.setPage(p, PageState.Free);
        this.mem.free.add(p);
      }
      return;
    }
    const reused: Gpfn[] = [];
    for (let i = 0; i < b.gpfns.length; i += this.mem.gpp) {
      const p = this.pageOf(b.gpfns[i]);
      if (this.mem.pageState[p * this.mem.gpp] === PageState.Free) continue; // reuse-before-ack freed it already
      if (b.queue === 'inflate') {
        this.mem.setPage(p, PageState.Ballooned);
        this.balloon.add(p);
      } else {
        this.mem.setPage(p, PageState.Free);
        this.mem.free.add(p);
        this.released(p);
        for (let x = 0; x < this.mem.gpp; x++) reused.push(asGpfn(p * this.mem.gpp + x));
      }
    }
    if (reused.length > 0) out.push({ kind: 'pages-freed', guest: g, gpfns: reused });
    this.actual = this.mem.counts.ballooned + this.mem.counts.deflating;
    out.push({ kind: 'actual-written', guest: g, actual: this.actual });
  }

  /**
   * The guest page a sent gpfn stands for. Normally the gpfn's own page; under the faults that
   * send wrong gpfns, the driver still accounts the pages it took, so map the gpfn back.
   */
  private pageOf(n: number): number {
    if (this.f['pfn-byte-order']) n = bswap32(n);
    const p = Math.floor(n / this.mem.gpp);
    if (!this.f['fill-wrong-gpfns']) return p;
    const pages = this.mem.space / this.mem.gpp;
    return (p + pages - 1) % pages;
  }

  /**
   * deflate-on-reclaim: a shrinker deflates under ordinary memory pressure (a quarter of RAM
   * left free) and the worker is told to refill afterwards.
   */
  onReclaim(out: Effect[]): void {
    if (!this.f['deflate-on-reclaim'] || !this.dev.features.deflateOnOom || this.q.pending('deflate')) return;
    if (this.mem.counts.free * 4 >= this.cfg.ramPages || this.balloon.size === 0) return;
    this.deflate(Math.min(this.batchGpfns(), this.balloon.size * this.mem.gpp), 'oom', out);
    this.wantsWork = true;
  }

  private gpfnsOf(pages: number[]): number[] {
    const out: number[] = [];
    for (const p of pages) for (let x = 0; x < this.mem.gpp; x++) out.push(p * this.mem.gpp + x);
    return out;
  }

  queue(queue: Buffer['queue'], origin: Buffer['origin'], gpfns: readonly number[], out: Effect[], bytes?: readonly number[]): Buffer {
    const b = this.q.add(queue, origin, gpfns, bytes);
    out.push({ kind: 'buffer-queued', guest: guestId(this.mem.id), queue, id: b.id, origin, gpfns });
    return b;
  }

  /** Sent stats buffers since the probe or reload: stats-subset-changes trims every one after the first. */
  private statsSent = 0;

  /**
   * Fill a stats buffer and make it available (Linux update_balloon_stats, then virtqueue_add_outbuf
   * in init_vqs and stats_handle_request; VIRTIO 1.2 5.5.6.3.1 statements 26-28): le16 tag, le64
   * value, packed, in core/virtio/stats.ts's encoding.
   */
  private postStats(out: Effect[]): void {
    let entries = this.statsEntries();
    if (this.f['stats-subset-changes'] && this.statsSent > 0) entries = entries.filter((e) => e.value !== 0n);
    if (this.f['stats-tag-twice']) entries.push(entries.find((e) => e.tag === 4) ?? entries[0]);
    this.statsSent++;
    let bytes = encodeStats(entries);
    if (this.f['stats-big-endian']) bytes = bigEndianValues(bytes);
    if (this.f['stats-six-byte-entries']) bytes = sixByteEntries(entries);
    this.queue('stats', 'driver', [], out, bytes);
  }

  /**
   * The statistics, in Linux's order (update_balloon_vm_stats, then update_balloon_stats): the
   * event counters SWAP_IN..MINFLT (0-3), OOM_KILL..DIRECT_RECLAIM (10-15), HTLB_PGALLOC and
   * HTLB_PGFAIL (8, 9), then the memory figures MEMFREE, MEMTOT, AVAIL, CACHES (4-7). The guest has
   * no swap, page cache or hugetlb, so those are 0; MEMFREE and AVAIL are its free pages, MEMTOT its
   * RAM less the balloon (Linux takes ballooned pages out of totalram unless DEFLATE_ON_OOM).
   */
  statsEntries(): StatEntry[] {
    const PAGE = 4096n;
    const c = this.mem.counts;
    const free = BigInt(c.free) * PAGE;
    const held = this.dev.features.deflateOnOom ? 0 : c.inflating + c.ballooned + c.deflating;
    const total = BigInt(Math.max(0, this.cfg.ramPages - held)) * PAGE;
    const zero = (tag: number): StatEntry => ({ tag, value: 0n });
    return [
      zero(0), zero(1), zero(2), zero(3), zero(10), zero(11), zero(12), zero(13), zero(14), zero(15), zero(8), zero(9),
      { tag: 4, value: free }, { tag: 5, value: total }, { tag: 6, value: free }, zero(7),
    ];
  }

  /** Driver unload: every page in or on its way to the balloon, and every page in a report, goes back to the guest. */
  unload(): void {
    const s = this.mem.pageState;
    this.deadlocked = false;
    for (let p = 0; p < this.mem.space / this.mem.gpp; p++) {
      const st = s[p * this.mem.gpp];
      if (this.f['s4-restore-leak'] && st === PageState.Ballooned) continue; // forgotten, not freed
      if (st === PageState.Inflating || st === PageState.Ballooned || st === PageState.Deflating || st === PageState.Reported) {
        this.mem.setPage(p, PageState.Free);
        this.mem.free.add(p);
        if (st !== PageState.Reported) this.released(p); // a reported page was free, and poisoned, already
      }
    }
    this.balloon.clear();
    this.q.clear();
    this.actual = 0;
  }
}

/** A 32-bit gpfn in the other byte order. */
function bswap32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

/** stats-big-endian: each entry's eight value bytes reversed, as a big-endian guest writing native order. */
function bigEndianValues(bytes: readonly number[]): number[] {
  const out = [...bytes];
  for (let at = 0; at + 10 <= out.length; at += 10) {
    const v = out.slice(at + 2, at + 10).reverse();
    out.splice(at + 2, 8, ...v);
  }
  return out;
}

/** stats-six-byte-entries: le16 tag and le32 value, as the text's "multiple of 6 bytes" reads. */
function sixByteEntries(entries: readonly StatEntry[]): number[] {
  const out: number[] = [];
  for (const e of entries) {
    const v = Number(e.value & 0xffffffffn);
    out.push(e.tag & 0xff, e.tag >> 8, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  return out;
}
