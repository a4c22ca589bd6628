/**
 * The balloon device (QEMU's hw/virtio/virtio-balloon.c, hardened as Firecracker is): it holds
 * the target, validates every gpfn of every buffer, drops the backing of inflated gpfns, and
 * acknowledges every buffer it processes. It treats the driver as untrusted: a bad gpfn is
 * refused with a code and changes nothing (invariant 7).
 */
import { gpfnOfPfn, pfnOf } from '../../core/layout.ts';
import { fillGpfns, gpfnArray, type GpfnArray } from '../../core/paged.ts';
import {
  decodeStats, DEVICE_KNOWN_TAGS, gpfn as asGpfn, guestId, isRam, poisonOn, type Effect, type Gpfn, type GuestConfig, type Refusal,
  type StatRecord, type SystemConfig, type VirtioFeatures, frame as asFrame,
} from '../../core/virtio/index.ts';
import type { Faults } from './faults.ts';
import type { GuestMemory } from '../guest-memory.ts';
import type { Buffer } from './virtqueue.ts';

export class BalloonDevice {
  target = 0;
  /**
   * `poison_val` as the driver last wrote it (PAGE_POISON, 5.5.6.6): 0 until written, and again
   * after a reset (QEMU virtio_balloon_device_reset). The device reads it as a hint (statement 57).
   */
  poisonVal = 0;
  /**
   * The features negotiated at the last probe (QEMU vdev->guest_features): at the start the
   * configuration's, then what the driver accepted at each reload (core/virtio/negotiation.ts).
   * One object for the life of the device, changed in place: the observation shows it.
   */
  readonly features: VirtioFeatures;
  /** Per gpfn: 1 when the host holds it in the balloon. */
  readonly ballooned: GpfnArray;
  /**
   * pbp-kept-on-deflate only: per host page, how many of its gpfns were inflated, kept across
   * requests and never lowered by a deflate (QEMU ed48c59875b6's tracking before its fixes). The
   * reference keeps no such count: see `inflateAll`.
   */
  private readonly perHostPage: GpfnArray;
  private readonly hpg: number;
  /** invalid-chain-loop: the queues the device is stuck looping on. */
  private readonly wedged = new Set<string>();

  constructor(
    private readonly sys: SystemConfig, private readonly cfg: GuestConfig, private readonly mem: GuestMemory,
    private readonly f: Faults,
  ) {
    this.ballooned = gpfnArray(Uint8Array, mem.space);
    this.features = { ...cfg.features };
    this.hpg = sys.hostPageGpfns;
    this.perHostPage = gpfnArray(Uint16Array, Math.ceil(mem.space / this.hpg));
  }

  /** Clamp a requested target as QEMU does: never above the guest's memory. */
  clampTarget(pages: number): number {
    return Math.min(pages, this.cfg.ramPages);
  }

  /** Process one buffer: validate, apply, acknowledge. Appends effects. */
  process(b: Buffer, out: Effect[]): void {
    const g = guestId(this.mem.id);
    const accepted: Gpfn[] = [];
    const refused: Refusal[] = [];
    let stats: StatRecord[] | undefined;
    if (this.f['invalid-chain-loop'] && (this.wedged.has(b.queue) || this.invalid(b))) {
      this.wedged.add(b.queue); // loops on the chain: never acknowledges, never moves on
      return;
    }
    // The batch limit bounds a PFN array (inflate, deflate); a report is a list of ranges.
    if (b.gpfns.length > this.sys.maxBatch && b.queue !== 'reporting' && !this.f['unbounded-descriptor']) {
      for (const n of b.gpfns) refused.push({ gpfn: n, code: 'balloon/oversized-batch' });
    } else if (b.queue === 'reporting') {
      this.discardLate(b, out);
      this.report(b, accepted, refused, out);
    } else if (b.queue === 'stats') {
      stats = this.receiveStats(b.bytes ?? []);
    } else {
      const seen = new Set<number>();
      for (const sent of b.gpfns) {
        const n = this.read(sent);
        if (n < 0 && sent >= 0) { refused.push({ gpfn: sent, code: 'balloon/gpfn-out-of-range' }); continue; }
        const code = this.check(n, b.queue === 'inflate', seen);
        if (code) { refused.push({ gpfn: n, code }); continue; }
        seen.add(n);
        accepted.push(asGpfn(n));
      }
      if (b.queue === 'inflate') this.inflateAll(accepted, out);
      else for (const n of accepted) this.deflate(n);
    }
    b.acked = true;
    out.push(stats ? { kind: 'buffer-processed', guest: g, queue: b.queue, id: b.id, accepted, refused, stats }
      : { kind: 'buffer-processed', guest: g, queue: b.queue, id: b.id, accepted, refused });
  }

  /**
   * Read a stats buffer as QEMU's virtio_balloon_receive_stats does: whole 10-byte entries in the
   * order they come (statement 34), each le16 tag and le64 value; a tag it knows (below
   * DEVICE_KNOWN_TAGS, its VIRTIO_BALLOON_S_NR) is recorded, any other skipped (statement 33). A
   * trailing part of an entry is left unread.
   */
  private receiveStats(bytes: readonly number[]): StatRecord[] {
    const { entries } = decodeStats(bytes);
    if (this.f['stats-unknown-tag-rejects'] && entries.some((e) => e.tag >= DEVICE_KNOWN_TAGS)) return [];
    const kept: StatRecord[] = [];
    let last = -1;
    for (const e of entries) {
      if (this.f['stats-in-order-only'] && e.tag < last) break;
      last = e.tag;
      if (e.tag < DEVICE_KNOWN_TAGS) kept.push({ tag: e.tag, value: e.value.toString() });
    }
    return kept;
  }

  /**
   * The gpfn the device finds where the driver put gpfn `n`: its pfn (core/layout.ts) crosses the
   * queue as a le32 (VIRTIO 1.2 5.5.6) and is looked up again; -1 when no page of the guest sits
   * there. A gpfn outside the guest's space is left for `check` to refuse. Without a layout every
   * pfn is its gpfn, and the lookup is skipped.
   */
  private read(n: number): number {
    if (!this.cfg.layout || !Number.isInteger(n) || n < 0 || n >= this.mem.space) return n;
    let p = pfnOf(this.cfg, n) >>> 0;
    // pfn-sign-extended: the le32 read as an int, then widened (QEMU's ldl_p into a ram_addr_t).
    if (this.f['pfn-sign-extended']) p |= 0;
    return gpfnOfPfn(this.cfg, p);
  }

  /**
   * A free page report (VIRTIO 1.2 5.5.6.7.2; QEMU virtio_balloon_handle_report): every gpfn that
   * is RAM of this guest is taken; without PAGE_POISON the device may drop the pages before it
   * acknowledges (statement 64), and drops every host page the report covers whole (QEMU ignores
   * ranges it cannot discard whole). With PAGE_POISON and a poison_val that is not zero it must
   * not change them to anything but poison_val (statement 65): QEMU then skips the discard. With
   * an assigned device (VFIO) nothing is discarded at all.
   */
  private report(b: Buffer, accepted: Gpfn[], refused: Refusal[], out: Effect[]): void {
    const seen = new Set<number>();
    for (const n of b.gpfns) {
      // Range, RAM and repeats only: a page still held in the balloon may be reported, when the
      // driver reused it before its deflate was served (no MUST_TELL_HOST, statement 15).
      const code = !Number.isInteger(n) || n < 0 || n >= this.mem.space ? 'balloon/gpfn-out-of-range'
        : !isRam(this.cfg, n) ? 'balloon/gpfn-not-ram' : seen.has(n) ? 'balloon/gpfn-duplicate' : null;
      if (code) { refused.push({ gpfn: n, code }); continue; }
      seen.add(n);
      accepted.push(asGpfn(n));
    }
    // QEMU virtio_balloon_handle_report skips the discard while poison_val is not zero: a
    // discarded page would come back zeroed, not poisoned. A poison_val of 0 (never written, or
    // zeroed by a reset, review C1) lets the discard through.
    if (this.cfg.assignedDevice || (poisonOn(this.features) && this.poisonVal !== 0 && !this.f['report-ignores-poison'])) return;
    if (this.f['report-discard-after-ack']) { this.late.push(...accepted); return; }
    this.discardWhole(accepted, out);
  }

  /** Drop the frames of every host page that `gpfns` covers whole. A host page the guest's memory covers only in part never goes back. */
  private discardWhole(gpfns: readonly number[], out: Effect[]): void {
    const mine = new Set(gpfns);
    const whole = gpfns.filter((n) => {
      const base = Math.floor(n / this.hpg) * this.hpg;
      if (base + this.hpg > this.mem.space) return false;
      for (let x = base; x < base + this.hpg; x++) if (!mine.has(x)) return false;
      return true;
    });
    this.discardHostPages(whole, out, false);
  }

  /**
   * report-discard-after-ack: the gpfns of the last report, discarded only when the device serves
   * its next report, after it acknowledged them: by then the guest may be using them.
   */
  private late: number[] = [];

  /** report-discard-after-ack: discard what the previous report left, whatever the guest did since. */
  discardLate(b: Buffer, out: Effect[]): void {
    if (b.queue !== 'reporting' || this.late.length === 0) return;
    const stale = this.late;
    this.late = [];
    this.discardWhole(stale, out);
  }

  private invalid(b: Buffer): boolean {
    return b.gpfns.length > this.sys.maxBatch || b.gpfns.some((n) => n >= this.mem.space);
  }

  private check(n: number, inflating: boolean, seen: Set<number>): Refusal['code'] | null {
    const f = this.f;
    if (!Number.isInteger(n) || n < 0 || (n >= this.mem.space && !f['no-range-check'])) return 'balloon/gpfn-out-of-range';
    if (n < this.mem.space && !isRam(this.cfg, n) && !f['no-ram-check']) return 'balloon/gpfn-not-ram';
    if (seen.has(n) && !f['double-inflate']) return 'balloon/gpfn-duplicate';
    if (inflating && this.ballooned[n] && !f['double-inflate']) return 'balloon/gpfn-already-ballooned';
    if (!inflating && !this.ballooned[n]) return 'balloon/gpfn-not-ballooned';
    return null;
  }

  /**
   * Take an inflate buffer's accepted gpfns into the balloon and give the host back every host
   * page the buffer names whole. The partial host page tracking lives for one buffer only, as in
   * QEMU since "virtio-balloon: free pbp more aggressively" (MST, 2019, Fixes ed48c59875b6: the
   * PartiallyBalloonedPage is on the stack of virtio_balloon_handle_output's loop and freed after
   * each virtqueue_push): "after device uses a buffer, guest is free to reuse it, so tracking the
   * page and freeing it later is wrong". A host page ballooned over several buffers keeps its
   * frames; a count kept across buffers would discard the parts of earlier, acknowledged
   * buffers, among them a part whose deflate is queued but not yet served, which the guest may
   * use already without MUST_TELL_HOST (VIRTIO 1.2 5.5.6.1, statement 15; 5.5.6.2, statement 20,
   * lets the device change a page only while it serves the inflate that names it). QEMU also
   * gives up a partial host page when the buffer moves on to another one; the reference
   * discards every host page the buffer names whole, in any order, which statement 20 allows.
   */
  private inflateAll(gpfns: readonly Gpfn[], out: Effect[]): void {
    // Per host page, its gpfns this buffer named so far (pbp-kept-on-deflate: since the reset).
    const kept = this.f['pbp-kept-on-deflate'];
    const counts = new Map<number, number>();
    for (const n of gpfns) {
      this.ballooned[n] = 1;
      const hp = Math.floor(n / this.hpg);
      const count = kept ? ++this.perHostPage[hp] : (counts.get(hp) ?? 0) + 1;
      counts.set(hp, count);
      // A host page goes back to the host only once every 4 KiB part of it is ballooned.
      if (count < this.hpg && !this.f['partial-host-page-discard']) continue;
      // With an assigned device (VFIO) the DMA mappings pin guest memory: QEMU inhibits discard.
      if (!this.cfg.assignedDevice) this.discardHostPages([n], out, true);
    }
  }

  /**
   * Drop the frames of the host pages of `gpfns` (each once), whatever their other parts are.
   * `inflate`: an inflate's discard, which discard-not-propagated leaves mapped.
   */
  private discardHostPages(gpfns: readonly number[], out: Effect[], inflate: boolean): void {
    const g = guestId(this.mem.id);
    const keepMapped = inflate && this.f['discard-not-propagated'];
    for (const hp of new Set(gpfns.map((n) => Math.floor(n / this.hpg)))) {
      for (let x = hp * this.hpg; x < Math.min((hp + 1) * this.hpg, this.mem.space); x++) {
        const f = keepMapped ? this.mem.releaseOnly(x) : this.mem.unback(x);
        if (f >= 0) out.push({ kind: 'frame-released', guest: g, gpfn: asGpfn(x), frame: asFrame(f) });
      }
    }
  }

  private deflate(n: number): void {
    // Nothing to map now: the guest's next touch populates a fresh frame (QEMU). No tracking to
    // update: it ended with the inflate's buffer (pbp-kept-on-deflate keeps counting the part).
    this.ballooned[n] = 0;
  }

  /**
   * The driver set FEATURES_OK with `accepted`: the device keeps it set and takes the subset,
   * unless `refuse` (the workload's choice: a device MAY refuse, VIRTIO 1.2 3.1.1 step 6, 5.5.3.2
   * statement 4), when it leaves the status without FEATURES_OK and its features as they were.
   */
  featuresOk(accepted: VirtioFeatures, refuse: boolean): boolean {
    if (refuse) return false;
    for (const k of Object.keys(this.features) as (keyof VirtioFeatures)[]) this.features[k] = accepted[k] === true;
    for (const k of Object.keys(accepted) as (keyof VirtioFeatures)[]) this.features[k] = accepted[k] === true;
    return true;
  }

  /** Device reset: QEMU forgets its tracking and poison_val but keeps the target. */
  reset(): void {
    this.poisonVal = 0;
    this.wedged.clear();
    this.late = [];
    fillGpfns(this.ballooned, 0);
    fillGpfns(this.perHostPage, 0);
  }
}
