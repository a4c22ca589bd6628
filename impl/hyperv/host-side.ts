/**
 * The host's side of one guest's dynamic-memory channel: it answers start-up (version and
 * capabilities), starts requests toward its target (BALLOON_REQUEST for the pages missing;
 * UNBALLOON_REQUEST naming ballooned ranges it backs again first, in parts that each fit a
 * message), takes the frames of the pages a BALLOON_RESPONSE names, backs hot-added pages before
 * it asks the guest to add them, and gives up a transaction of which nothing is left on the
 * channel (a host timeout; the protocol states no length). The Linux driver is the reference for
 * the guest; the host's policy here is the testbed's (docs/families/hyperv.md).
 */
import { gpfnArray, type GpfnArray } from '../../core/index.ts';
import { frame as asFrame, gpfn as asGpfn, guestId, isRam, UNBACKED } from '../../core/index.ts';
import { inHotAdd, type HvEffect, type HvErrorCode, type HvGuestConfig, type HvMessage, type HvOutstanding, type HvRange, type HvSystemConfig } from '../../core/hyperv/index.ts';
import type { GuestMemory } from '../guest-memory.ts';

/** The guest's response to each kind of host request. */
const RESPONSE = { balloon: 'balloon-response', unballoon: 'unballoon-response', 'hot-add': 'hot-add-response' } as const satisfies Record<HvOutstanding['type'], HvMessage['type']>;

export class HvHostSide {
  ready = false;
  balloonCap = false;
  target = 0;
  /** Pages the host holds as ballooned (the world `actual`). */
  ballooned = 0;
  added = 0;
  outstanding: HvOutstanding | null = null;
  lastCommitted: number | null = null;
  reports = 0;
  /**
   * The last balloon transaction got no page: the host asks again only once a status report shows
   * a different free figure than this (null: not stalled; -1: no report yet) or a target is set.
   */
  stalledFree: number | null = null;
  /**
   * A target was set (or re-asserted) since the balloon request in flight went out: as QEMU's
   * hv-balloon.c target_changed, which hv_balloon_to_target sets "even with unchanged target, as
   * the user might be asking us to try again" and only the idle state consumes, a zero-page answer
   * to the older request does not stall the host; it asks again.
   */
  private retargeted = false;
  private lastFree = -1;
  private given = 0;
  private trans = 0x8000;
  /** Per gpfn, 1 when the host holds it as ballooned. */
  readonly held: GpfnArray;

  constructor(
    readonly id: number, private readonly sys: HvSystemConfig, private readonly mem: GuestMemory,
    private readonly toGuest: HvMessage[], private readonly toHost: HvMessage[],
  ) {
    this.held = gpfnArray(Uint8Array, mem.space);
  }

  private emit(m: HvMessage, out: HvEffect[]): void {
    this.toGuest.push(m);
    out.push({ kind: 'hv-sent', guest: guestId(this.id), from: 'host', msg: m, sent: true });
  }

  private actual(out: HvEffect[]): void { out.push({ kind: 'actual-written', guest: guestId(this.id), actual: this.ballooned }); }

  /**
   * Handle one message of the guest's. A response is matched to the open transaction by its type,
   * never by its id: Linux stamps each response with a fresh id of its own (balloon_up,
   * balloon_down, hot_add_req) and QEMU's host goes by its own state (hv-balloon.c: the response
   * handlers look at what the host has outstanding, not at the header's trans_id). The host echoes
   * the guest's id in its version and capabilities answers, as QEMU does.
   */
  handle(m: HvMessage, reject: boolean, out: HvEffect[]): HvErrorCode | null {
    const o = this.outstanding;
    switch (m.type) {
      case 'version-request': this.emit({ type: 'version-response', trans: m.trans, accepted: !reject }, out); return null;
      case 'caps-report':
        this.ready = true;
        this.balloonCap = m.balloon;
        this.emit({ type: 'caps-response', trans: m.trans, accepted: true }, out);
        return null;
      case 'status':
        this.lastCommitted = m.committed; this.reports++; this.lastFree = m.free;
        if (this.stalledFree !== null && m.free !== this.stalledFree) this.stalledFree = null;
        return null;
      case 'balloon-response': {
        if (!o || o.type !== 'balloon') return 'hv/stale-transaction';
        const gid = guestId(this.id);
        for (const r of m.ranges) {
          for (let n = r.start; n < r.start + r.count; n++) {
            // The host takes only RAM it backs and does not hold already.
            if (!isRam(this.mem.cfg, n) || this.held[n]) continue;
            const f = this.mem.unback(n);
            if (f >= 0) out.push({ kind: 'frame-released', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) });
            this.held[n] = 1;
            this.ballooned++;
            this.given++;
          }
        }
        this.actual(out);
        if (!m.more) {
          this.outstanding = null;
          if (this.given === 0 && !this.retargeted) this.stalledFree = this.lastFree;
        }
        return null;
      }
      case 'unballoon-response':
        if (!o || o.type !== 'unballoon') return 'hv/stale-transaction';
        this.outstanding = null;
        return null;
      case 'hot-add-response':
        if (!o || o.type !== 'hot-add') return 'hv/stale-transaction';
        this.outstanding = null;
        return null;
      default: return 'hv/stale-transaction'; // a host-to-guest message type
    }
  }

  /** Is anything of the open transaction still on the channel: a part of its request, or a response of its kind? */
  private inFlight(o: HvOutstanding): boolean {
    const answer = RESPONSE[o.type];
    return this.toGuest.some((m) => m.trans === o.trans) || this.toHost.some((m) => m.type === answer);
  }

  /** Give up a transaction of which nothing is left on the channel. */
  private settle(out: HvEffect[]): boolean {
    const o = this.outstanding;
    if (!o) return true;
    if (this.inFlight(o)) return false;
    out.push({ kind: 'hv-abandoned', guest: guestId(this.id), trans: o.trans });
    this.outstanding = null;
    return true;
  }

  /** A target set (or re-asserted): a stalled host asks again. */
  setTarget(pages: number): void {
    this.stalledFree = null;
    this.retargeted = true;
    this.target = pages;
  }

  /** Start a request toward the target, when none is in flight. */
  send(parts: number, span: number, out: HvEffect[]): HvErrorCode | null {
    if (!this.ready) return 'hv/not-ready';
    if (!this.settle(out)) return null;
    if (this.balloonCap && this.target > this.ballooned) {
      if (this.stalledFree !== null) return null;
      this.given = 0;
      this.retargeted = false;
      const pages = this.target - this.ballooned;
      this.outstanding = { type: 'balloon', trans: ++this.trans, pages };
      this.emit({ type: 'balloon-request', trans: this.trans, pages }, out);
      return null;
    }
    if (this.target >= this.ballooned) return null;
    return this.unballoon(this.ballooned - this.target, parts, span, out);
  }

  /** Back `want` ballooned pages again (lowest first) and name them in parts. */
  private unballoon(want: number, parts: number, span: number, out: HvEffect[]): HvErrorCode | null {
    const gid = guestId(this.id);
    const named: number[] = [];
    for (let n = 0; n < this.held.length && named.length < want; n++) {
      if (!this.held[n]) continue;
      const f = this.mem.populate(n);
      if (f < 0) break;
      out.push({ kind: 'frame-mapped', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) });
      this.held[n] = 0;
      this.ballooned--;
      named.push(n);
    }
    if (named.length === 0) return 'host/out-of-frames';
    this.actual(out);
    const ranges: HvRange[] = [];
    for (const n of named) {
      const last = ranges[ranges.length - 1];
      if (last && last.start + last.count === n && last.count < span) last.count++;
      else ranges.push({ start: n, count: 1 });
    }
    const rpm = this.sys.rangesPerMessage;
    const k = Math.min(ranges.length, Math.max(parts, Math.ceil(ranges.length / rpm)));
    const trans = ++this.trans;
    this.outstanding = { type: 'unballoon', trans, pages: named.length };
    for (let i = 0, at = 0; i < k; i++) {
      const size = Math.ceil((ranges.length - at) / (k - i));
      this.emit({ type: 'unballoon-request', trans, ranges: ranges.slice(at, at + size), more: i < k - 1 }, out);
      at += size;
    }
    return null;
  }

  /** Back `pages` pages of the hot-add region from `pick` (whole guest pages) and ask the guest to add them. */
  hotAdd(pick: number, pages: number, out: HvEffect[]): HvErrorCode | null {
    if (!this.ready) return 'hv/not-ready';
    const cfg = this.mem.cfg as HvGuestConfig;
    const gpp = cfg.guestPageGpfns;
    if (!Number.isInteger(pages) || pages < 1) return 'hv/bad-size';
    if (cfg.hotAddPages === 0) return 'hv/outside-hot-add';
    if (!this.settle(out)) return null;
    const slots = cfg.hotAddPages / gpp;
    const start = cfg.hotAddStart + (pick % slots) * gpp;
    let end = Math.min(cfg.hotAddStart + cfg.hotAddPages, start + Math.ceil(pages / gpp) * gpp);
    const gid = guestId(this.id);
    for (let n = start; n < end; n++) {
      if (this.mem.p2m[n] !== UNBACKED || this.held[n]) continue; // backed already, or ballooned since it was added
      const f = this.mem.populate(n);
      if (f < 0) { end = n - (n % gpp); break; }
      out.push({ kind: 'frame-mapped', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) });
      this.added++;
    }
    // A guest page the host could not back whole is not offered (its backed part stays backed, offline).
    if (end <= start || !inHotAdd(cfg, start)) return out.some((e) => e.kind === 'frame-mapped') ? this.offer(start, 0, out) : 'host/out-of-frames';
    return this.offer(start, end - start, out);
  }

  private offer(start: number, count: number, out: HvEffect[]): HvErrorCode | null {
    if (count === 0) return null;
    this.outstanding = { type: 'hot-add', trans: ++this.trans, pages: count };
    this.emit({ type: 'hot-add-request', trans: this.trans, range: { start, count } }, out);
    return null;
  }
}
