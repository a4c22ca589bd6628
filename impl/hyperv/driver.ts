/**
 * The guest's dynamic-memory driver, after Linux drivers/hv/hv_balloon.c: start-up (version_resp,
 * the capabilities report), balloon_up (the request cut to what is free above the floor;
 * alloc_balloon_pages in big units, then single pages; one response per message with more_pages
 * on all but the last; a response that fails to send gives its pages back), balloon_down (the
 * host's ranges freed, answered once after the last part), hot_add_req (pages of the request
 * onlined, never the gaps) and post_status. Unlike Linux it checks the host's unballoon ranges
 * (the careful guest of the Hyper-V sheet). No clock: the status timer is a command.
 */
import { fillGpfns, gpfnArray, type GpfnArray } from '../../core/index.ts';
import { gpfn as asGpfn, guestId, isRam, PageState } from '../../core/index.ts';
import {
  HV_VERSIONS, hvBalloonOffered, inHotAdd, type HvEffect, type HvErrorCode, type HvGuestConfig, type HvMessage,
  type HvPhase, type HvRange, type HvSystemConfig, type HvVersion,
} from '../../core/hyperv/index.ts';
import type { GuestMemory } from '../guest-memory.ts';
import type { HvFaults } from './faults.ts';

type Msg<T extends HvMessage['type']> = Extract<HvMessage, { type: T }>;

export class HvDriver {
  phase: HvPhase = 'version';
  versionAt = 0;
  /**
   * The guest's own transaction counter (hv_balloon.c trans_id): every message the driver sends,
   * responses included, takes the next number (atomic_inc_return in balloon_up, balloon_down,
   * hot_add_req, post_status, version_resp). Linux never compares ids; neither does this driver.
   */
  private trans = 0;
  ballooned = 0;
  added = 0;
  onlined = 0;
  unballoonTrans: number | null = null;
  /** Per gpfn of the hot-add region, 1 once the host added it (covered). */
  readonly covered: GpfnArray;
  /** End of the highest range added so far (hv_hotadd_state.covered_end_pfn). */
  private coveredEnd: number;
  readonly balloonCap: boolean;
  private readonly gpp: number;

  constructor(
    readonly id: number, readonly cfg: HvGuestConfig, private readonly sys: HvSystemConfig,
    readonly mem: GuestMemory, private readonly f: HvFaults, private readonly toHost: HvMessage[],
  ) {
    this.gpp = cfg.guestPageGpfns;
    this.covered = gpfnArray(Uint8Array, mem.space);
    this.coveredEnd = cfg.hotAddStart;
    this.balloonCap = hvBalloonOffered(cfg) || f['balloon-large-pages'];
    // The hot-add region is offline at boot.
    for (let n = cfg.hotAddStart; n < cfg.hotAddStart + cfg.hotAddPages; n += this.gpp) {
      const p = n / this.gpp;
      mem.free.delete(p);
      mem.setPage(p, PageState.Hole);
    }
  }

  get version(): HvVersion | null { return this.phase === 'failed' ? null : HV_VERSIONS[this.versionAt]; }

  /** Driver start: propose the newest version (balloon_connect_vsp, then version_resp for the next ones). */
  start(out: HvEffect[]): void { this.emit({ type: 'version-request', trans: this.next(), version: HV_VERSIONS[0] }, out); }

  private next(): number { return ++this.trans; }

  /**
   * Put `m` on the channel's queue to the host; `fail`: the send fails (vmbus_sendpacket returns
   * an error) and nothing is queued. The queue is an array, not a callback, so that the system's
   * state is plain data that SystemUnderTest.fork can copy.
   */
  private emit(m: HvMessage, out: HvEffect[], fail = false): boolean {
    const sent = !fail;
    if (sent) this.toHost.push(m);
    out.push({ kind: 'hv-sent', guest: guestId(this.id), from: 'guest', msg: m, sent });
    return sent;
  }

  /** committed as post_status reports it: used + ballooned + floor + pages added not yet online. */
  committed(): number {
    return this.mem.counts.used + this.ballooned + this.cfg.floorPages + (this.added > this.onlined ? this.added - this.onlined : 0);
  }

  status(out: HvEffect[]): HvErrorCode | null {
    if (this.phase !== 'ready') return 'hv/not-ready';
    this.emit({ type: 'status', trans: this.next(), free: this.mem.counts.free, committed: this.committed() }, out);
    return null;
  }

  /** Handle one host message; a refusal changes nothing. */
  handle(m: HvMessage, fail: boolean, out: HvEffect[]): HvErrorCode | null {
    switch (m.type) {
      case 'version-response': return this.versionResponse(m, out);
      case 'caps-response': {
        // A response to no open request of the guest's (cap_resp comes only after the report).
        if (this.phase !== 'caps') return 'hv/stale-transaction';
        this.phase = m.accepted ? 'ready' : 'failed';
        return null;
      }
      case 'balloon-request': return this.phase !== 'ready' ? 'hv/not-ready' : this.balloonUp(m, fail, out);
      case 'unballoon-request': return this.phase !== 'ready' ? 'hv/not-ready' : this.balloonDown(m, out);
      case 'hot-add-request': return this.phase !== 'ready' ? 'hv/not-ready' : this.hotAdd(m, out);
      default: return 'hv/stale-transaction'; // a guest-to-host message type: no request of the host's
    }
  }

  private versionResponse(m: Msg<'version-response'>, out: HvEffect[]): HvErrorCode | null {
    // A response to no open request of the guest's (version_resp comes only while negotiating).
    if (this.phase !== 'version') return 'hv/stale-transaction';
    if (m.accepted) {
      this.phase = 'caps';
      this.emit({ type: 'caps-report', trans: this.next(), balloon: this.balloonCap, hotAdd: this.cfg.hotAddPages > 0 }, out);
    } else if (this.versionAt + 1 < HV_VERSIONS.length) {
      this.versionAt++;
      this.emit({ type: 'version-request', trans: this.next(), version: HV_VERSIONS[this.versionAt] }, out);
    } else {
      this.phase = 'failed';
    }
    return null;
  }

  /**
   * balloon_up: cut the request to what is free above the floor, then allocate in big units and
   * fall back to single pages when no big block is free; one response per message.
   */
  private balloonUp(m: Msg<'balloon-request'>, fail: boolean, out: HvEffect[]): HvErrorCode | null {
    const gid = guestId(this.id);
    let want = this.balloonCap ? m.pages : 0;
    const avail = this.mem.counts.free;
    const floor = this.cfg.floorPages;
    if (avail < want || avail - want < floor) want = avail > floor ? avail - floor : 0;
    const large = this.gpp > 1;
    let unit = large ? 1 : this.sys.allocUnit;
    let failNext = fail;
    for (let done = false; !done;) {
      const ranges: HvRange[] = [];
      const taken: number[] = [];
      let got = 0;
      const units = this.f['over-balloon-2m'] ? Math.ceil(want / unit) : Math.floor(want / unit);
      for (let i = 0; i < units && ranges.length < this.sys.rangesPerMessage; i++) {
        const start = large ? this.takeGuestPage() : this.takeBlock(unit);
        if (start < 0) break;
        // A 64 KiB guest (only under balloon-large-pages) reports its page as one 4 KiB page.
        const gpfns = large ? this.gpp : unit;
        ranges.push({ start, count: unit });
        for (let n = start; n < start + gpfns; n++) taken.push(n);
        got += unit;
      }
      if (unit !== 1 && got === 0) { unit = 1; continue; }
      done = got === 0 || got >= want;
      this.ballooned += got;
      if (taken.length > 0) out.push({ kind: 'hv-ballooned', guest: gid, gpfns: taken.map(asGpfn) });
      if (!this.emit({ type: 'balloon-response', trans: this.next(), ranges, more: !done }, out, failNext)) {
        // The send failed: the pages of this response go back to the guest, and balloon_up stops.
        this.giveBack(taken, got, out);
        done = true;
      }
      failNext = false;
      want -= got;
    }
    return null;
  }

  /** The highest aligned block of `unit` free gpfns (4 KiB guest), taken into the balloon; -1 when none. */
  private takeBlock(unit: number): number {
    const ps = this.mem.pageState;
    for (let b = Math.floor((this.mem.space - unit) / unit) * unit; b >= 0; b -= unit) {
      let ok = true;
      for (let n = b; n < b + unit && ok; n++) if (ps[n] !== PageState.Free) ok = false;
      if (!ok) continue;
      for (let n = b; n < b + unit; n++) { this.mem.free.delete(n); this.mem.setPage(n, PageState.Ballooned); }
      return b;
    }
    return -1;
  }

  /** One free guest page of a 64 KiB guest into the balloon; its first gpfn, or -1. */
  private takeGuestPage(): number {
    const p = this.mem.free.last();
    if (p < 0) return -1;
    this.mem.free.delete(p);
    this.mem.setPage(p, PageState.Ballooned);
    return p * this.gpp;
  }

  private giveBack(gpfns: readonly number[], counted: number, out: HvEffect[]): void {
    for (let i = 0; i < gpfns.length; i += this.gpp) this.freePage(gpfns[i] / this.gpp);
    this.ballooned -= counted;
    if (gpfns.length > 0) out.push({ kind: 'hv-returned', guest: guestId(this.id), gpfns: gpfns.map(asGpfn) });
  }

  private freePage(p: number): void {
    this.mem.used.delete(p);
    this.mem.setPage(p, PageState.Free);
    this.mem.free.add(p);
  }

  /** Why a list of ranges cannot be unballooned, or null (the careful guest's check). */
  private checkRanges(ranges: readonly HvRange[]): HvErrorCode | null {
    const seen = new Set<number>();
    for (const r of ranges) {
      if (!Number.isInteger(r.start) || !Number.isInteger(r.count) || r.count < 1 || r.start % this.gpp !== 0 || r.count % this.gpp !== 0) return 'hv/bad-range';
      for (let n = r.start; n < r.start + r.count; n++) if (!isRam(this.cfg, n)) return 'hv/bad-range';
    }
    for (const r of ranges) {
      for (let n = r.start; n < r.start + r.count; n++) {
        if (seen.has(n)) return 'hv/overlapping-ranges';
        seen.add(n);
      }
    }
    for (const n of seen) if (this.mem.pageState[n] !== PageState.Ballooned) return 'hv/not-ballooned';
    return null;
  }

  /** balloon_down: free the named pages; answer once, after the part without more_pages. */
  private balloonDown(m: Msg<'unballoon-request'>, out: HvEffect[]): HvErrorCode | null {
    if (this.unballoonTrans !== null && m.trans !== this.unballoonTrans) return 'hv/stale-transaction';
    let ranges = m.ranges;
    if (this.f['unballoon-truncated'] && ranges.length === this.sys.rangesPerMessage) ranges = ranges.slice(0, -1);
    const unchecked = this.f['unballoon-unchecked'];
    if (!unchecked) { const why = this.checkRanges(ranges); if (why) return why; }
    const freed: number[] = [];
    for (const r of ranges) {
      for (let n = r.start; n < r.start + r.count; n += this.gpp) {
        if (unchecked && (!isRam(this.cfg, n) || this.mem.pageState[n] === PageState.Free || this.mem.pageState[n] === PageState.Hole)) continue;
        this.freePage(Math.floor(n / this.gpp));
        for (let k = 0; k < this.gpp; k++) freed.push(Math.floor(n / this.gpp) * this.gpp + k);
      }
      this.ballooned = (this.ballooned - r.count) >>> 0;
    }
    if (freed.length > 0) out.push({ kind: 'hv-unballooned', guest: guestId(this.id), gpfns: freed.map(asGpfn) });
    if (m.more) { this.unballoonTrans = m.trans; return null; }
    this.unballoonTrans = null;
    this.emit({ type: 'unballoon-response', trans: this.next() }, out);
    return null;
  }

  /**
   * hot_add_req: online the request's offline pages (never a gap before it), answer how many, with
   * result 1. Linux answers the pages newly covered (handle_pg_range) and, when it took none while
   * hot-add is on, result 0 (a transient failure); see docs/families/hyperv.md.
   */
  private hotAdd(m: Msg<'hot-add-request'>, out: HvEffect[]): HvErrorCode | null {
    const { start, count } = m.range;
    if (!Number.isInteger(start) || !Number.isInteger(count) || count < 1 || start % this.gpp !== 0 || count % this.gpp !== 0
      || !inHotAdd(this.cfg, start) || !inHotAdd(this.cfg, start + count - 1)) return 'hv/outside-hot-add';
    const from = this.f['online-gaps'] ? Math.min(this.coveredEnd, start) : start;
    const onlined: number[] = [];
    for (let n = from; n < start + count; n += this.gpp) {
      if (!this.covered[n]) { fillGpfns(this.covered, 1, n, n + this.gpp); this.added += this.gpp; }
      if (this.mem.pageState[n] !== PageState.Hole) continue;
      this.freePage(n / this.gpp);
      for (let k = 0; k < this.gpp; k++) onlined.push(n + k);
    }
    this.onlined = (this.onlined + onlined.length) >>> 0;
    this.coveredEnd = Math.max(this.coveredEnd, start + count);
    if (onlined.length > 0) out.push({ kind: 'hv-onlined', guest: guestId(this.id), gpfns: onlined.map(asGpfn) });
    this.emit({ type: 'hot-add-response', trans: this.next(), pages: onlined.length, result: 1 }, out);
    return null;
  }

  /** The guest takes the free pages of its hot-added memory offline (a memory block offlined). */
  offline(out: HvEffect[]): HvErrorCode | null {
    const off: number[] = [];
    for (let n = this.cfg.hotAddStart; n < this.cfg.hotAddStart + this.cfg.hotAddPages; n += this.gpp) {
      if (this.mem.pageState[n] !== PageState.Free) continue;
      const p = n / this.gpp;
      this.mem.free.delete(p);
      this.mem.setPage(p, PageState.Hole);
      for (let k = 0; k < this.gpp; k++) off.push(n + k);
    }
    if (off.length === 0) return 'hv/nothing-offline';
    this.onlined = (this.onlined - (this.f['onlined-wraps'] ? this.cfg.hotAddPages : off.length)) >>> 0;
    out.push({ kind: 'hv-offlined', guest: guestId(this.id), gpfns: off.map(asGpfn) });
    return null;
  }
}
