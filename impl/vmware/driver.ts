/**
 * The guest's balloon driver, after Linux drivers/misc/vmw_balloon.c (the 2018 rewrite and its
 * later fixes). One `work` is one run of vmballoon_work: start over if a reset is due
 * (vmballoon_reset: drop the balloon without UNLOCK, START, doorbell, GUEST_ID), GET_TARGET, then
 * inflate or deflate toward the target (vmballoon_change: nothing while a reset is due, nothing
 * within 2 MiB above a non-zero target). Inflation tries 2 MiB pages first where allowed and
 * falls back to 4 KiB pages after an allocation failure or too many refusals; refused pages are
 * held until the end of the round, then given back to the guest. Deflation starts at 4 KiB pages;
 * a page the host does not unlock goes back into the balloon. `size` moves only by what the host
 * locked or unlocked.
 */
import { guestId, PageState } from '../../core/index.ts';
import {
  largeUsable, MAX_PPN32, ppnOf, type VmwCaps, type VmwEffect, type VmwStatus, type VmwSystemConfig,
} from '../../core/vmware/index.ts';
import type { GuestMemory } from '../guest-memory.ts';
import { IndexSet } from '../index-set.ts';
import type { VmwFaults } from './faults.ts';
import type { VmwHost } from './host.ts';

const ok = (s: VmwStatus) => s === 'success' || s === 'success-with-caps';

export class VmwDriver {
  size = 0;
  target = 0;
  resetRequired = true;
  caps: VmwCaps | null = null;
  large = false;
  doorbell = false;
  /** Ballooned 4 KiB pages (gpfns) and 2 MiB pages (first gpfns). */
  readonly pages4k: IndexSet;
  readonly pages2m: IndexSet;
  private readonly L: number;

  constructor(private readonly sys: VmwSystemConfig, readonly id: number, readonly mem: GuestMemory, private readonly host: VmwHost, private readonly f: VmwFaults) {
    this.pages4k = new IndexSet(mem.space);
    this.pages2m = new IndexSet(mem.space);
    this.L = sys.largePageGpfns;
  }

  private get cfg() { return this.sys.guests[this.id]; }
  private get batchMax(): number { return this.caps?.batched ? this.sys.batchPages : 1; }

  /** vmballoon_cmd: a successful reply may carry the target; RESET marks a reset due. */
  private send(cmd: Parameters<VmwHost['command']>[0], ppns: readonly number[], out: VmwEffect[], arg = 0, origin: 'driver' | 'migrate' = 'driver') {
    const r = this.host.command(cmd, ppns, origin, out, arg);
    if (ok(r.status) && r.target !== null) this.target = r.target;
    if (r.status === 'reset') this.resetRequired = true;
    return r;
  }

  /** vmballoon_change: how far to go, in 4 KiB pages; 0 while a reset is due or within the 2 MiB slack. */
  change(): number {
    if (this.resetRequired) return 0;
    if (this.target < this.size && this.target !== 0 && this.size - this.target < this.L) return 0;
    return this.target - this.size;
  }

  /**
   * vmballoon_work: GET_TARGET is sent even while a reset is still due (a failed START), as Linux
   * does (vmballoon_send_get_target after vmballoon_reset, whatever it did); a host without a
   * session answers it RESET, and vmballoon_change's 0 keeps the balloon still.
   */
  work(out: VmwEffect[]): void {
    const before = this.size;
    let reset = false;
    if (this.resetRequired) { this.reset(out); reset = !this.resetRequired; }
    let change = 0, peak = 0, freed = 0;
    if (ok(this.send('get-target', [], out).status)) {
      change = this.change();
      if (change > 0) ({ peak, freed } = this.inflate(out));
      else if (change < 0) this.deflate(out);
    }
    this.report(before, out);
    out.push({ kind: 'work', guest: guestId(this.id), reset, change, peakRefused: peak, refusedFreed: freed });
  }

  /** vmballoon_reset. */
  private reset(out: VmwEffect[]): void {
    // vmballoon_vmci_cleanup: unset the doorbell and drop it, whatever the host answers; sent on
    // every reset, doorbell held or not, as Linux does (a host without a session answers RESET).
    this.send('doorbell-set', [], out, 0);
    this.doorbell = false;
    if (this.f['reset-unlocks']) this.deflateAll(out);
    else if (!this.f['reset-keeps-locked']) this.pop(out);
    const r = this.send('start', [], out, 1);
    if (!ok(r.status)) return;
    this.resetRequired = false;
    this.caps = r.status === 'success-with-caps' ? { ...this.host.caps! } : { batched: false, large: false, doorbell: false, target64: false };
    // vmballoon_send_start: 2 MiB pages only with batching ("vmw_balloon: do not use 2MB without batching").
    this.large = this.f['large-without-batching'] ? this.caps.large : largeUsable(this.caps);
    if (this.caps.doorbell) {
      const d = this.send('doorbell-set', [], out, 1);
      if (ok(d.status) || this.f['doorbell-unchecked']) this.doorbell = true;
      else { this.send('doorbell-set', [], out, 0); this.doorbell = false; }
    }
    this.send('guest-id', [], out);
  }

  /** vmballoon_pop: every page back to the guest without UNLOCK; the host forgot them. */
  private pop(out: VmwEffect[]): void {
    const mem = this.mem;
    for (let i = this.pages4k.size - 1; i >= 0; i--) this.give(this.pages4k.at(i), 1);
    for (let i = this.pages2m.size - 1; i >= 0; i--) this.give(this.pages2m.at(i), this.L);
    this.pages4k.clear(); this.pages2m.clear();
    out.push({ kind: 'reset', guest: guestId(mem.id) });
    this.size = 0;
  }

  /** The reset-unlocks fault: a coordinated deflate of everything. */
  private deflateAll(out: VmwEffect[]): void {
    for (const [list, pg] of [[this.pages4k, 1], [this.pages2m, this.L]] as const) {
      const all: number[] = [];
      for (let i = 0; i < list.size; i++) all.push(list.at(i));
      for (let i = 0; i < all.length; i += this.batchMax) this.unlockPages(all.slice(i, i + this.batchMax), pg, out);
    }
  }

  /** A page (of `pg` gpfns) back to the guest allocator. */
  private give(base: number, pg: number): void {
    for (let x = base; x < base + pg; x++) { this.mem.setPage(x, PageState.Free); this.mem.free.add(x); }
  }

  /** The size as the step leaves it, reported once (the world's actual-written) when it moved. */
  private report(before: number, out: VmwEffect[]): void {
    if (this.size !== before) out.push({ kind: 'actual-written', guest: guestId(this.id), actual: this.size });
  }

  /**
   * vmballoon_alloc_page_list: `n` pages of `pg` gpfns from the guest's free pages, lowest first;
   * a large page is an aligned run of free RAM. The allocator gives nothing past what the guest
   * can spare (its floor: __GFP_NOMEMALLOC takes no reserves, for both page sizes; 4 KiB pages
   * come from balloon_page_alloc, which adds __GFP_NORETRY; in the Linux profile).
   */
  private allocPages(pg: number, n: number): number[] {
    const mem = this.mem;
    const room = this.cfg.ramPages - this.cfg.floorPages;
    const out: number[] = [];
    let held = mem.counts.inflating + mem.counts.ballooned + mem.counts.deflating;
    for (let base = 0; base + pg <= mem.space && out.length < n; base += pg) {
      if (held + pg > room) break;
      let free = true;
      for (let x = base; x < base + pg && free; x++) free = mem.pageState[x] === PageState.Free;
      if (!free) continue;
      for (let x = base; x < base + pg; x++) { mem.free.delete(x); mem.setPage(x, PageState.Inflating); }
      out.push(base);
      held += pg;
    }
    return out;
  }

  /** vmballoon_inflate: to the target or until the guest or the host says no. */
  private inflate(out: VmwEffect[]): { peak: number; freed: number } {
    let pg = this.large ? this.L : 1;
    let refused: number[] = [];
    let refusedPg = pg;
    let peak = 0, freed = 0;
    let want: number;
    while ((want = this.change()) > 0) {
      const n = Math.min(this.batchMax, Math.ceil(want / pg));
      const pages = this.allocPages(pg, n);
      const allocError = pages.length < n;
      const { locked, refusedNow, lockError } = this.lockPages(pages, pg, out);
      refused.push(...refusedNow);
      peak = Math.max(peak, refused.length);
      if (lockError) break;
      for (const b of locked) (pg === 1 ? this.pages4k : this.pages2m).add(b);
      this.size = this.size + locked.length * pg;
      if (allocError || (refused.length >= this.sys.maxRefused && !this.f['unclamped-refusals'])) {
        if (pg === 1) break;
        // vmballoon_split_refused_pages: refused large pages go back as 4 KiB pages.
        for (const b of refused) this.give(b, refusedPg);
        freed += refused.length * refusedPg;
        refused = [];
        pg = 1; refusedPg = 1;
      }
    }
    // vmballoon_release_refused_pages.
    if (!this.f['refused-leak']) {
      for (const b of refused) this.give(b, refusedPg);
      freed += refused.length * refusedPg;
    }
    return { peak, freed };
  }

  /**
   * vmballoon_lock for an inflation: one LOCK of `pages`; each entry's status, or the command's
   * when it failed as a whole. Without batching a page number over 32 bits cannot be sent: the
   * page is refused here ("vmw_balloon: fix inflation of 64-bit GFNs").
   */
  private lockPages(pages: readonly number[], pg: number, out: VmwEffect[]) {
    const locked: number[] = [], refusedNow: number[] = [];
    if (pages.length === 0) return { locked, refusedNow, lockError: false };
    const batched = this.caps?.batched ?? false;
    const ppns = pages.map((b) => ppnOf(this.cfg, b));
    if (!batched && ppns[0] > MAX_PPN32 && !this.f['ppn-truncated']) {
      refusedNow.push(...pages);
      return { locked, refusedNow, lockError: true };
    }
    const cmd = batched ? (pg > 1 ? 'batched-2m-lock' : 'batched-lock') : 'lock';
    const r = this.send(cmd, ppns, out);
    pages.forEach((b, i) => {
      const s = r.status === 'success' ? r.entries[i] : r.status;
      if (s === 'success') {
        for (let x = b; x < b + pg; x++) this.mem.setPage(x, PageState.Ballooned);
        locked.push(b);
      } else refusedNow.push(b);
    });
    return { locked, refusedNow, lockError: r.status !== 'success' };
  }

  /** UNLOCK `pages` of `pg` gpfns: unlocked ones back to the guest, the rest back into the balloon. */
  private unlockPages(pages: readonly number[], pg: number, out: VmwEffect[]): number {
    if (pages.length === 0) return 0;
    const batched = this.caps?.batched ?? false;
    const cmd = batched ? (pg > 1 ? 'batched-2m-unlock' : 'batched-unlock') : 'unlock';
    const list = pg === 1 ? this.pages4k : this.pages2m;
    const r = this.send(cmd, pages.map((b) => ppnOf(this.cfg, b)), out);
    let done = 0;
    pages.forEach((b, i) => {
      const s = r.status === 'success' ? r.entries[i] : r.status;
      if (s !== 'success') return;
      list.delete(b);
      this.give(b, pg);
      done++;
    });
    this.size = this.size - done * pg;
    return done;
  }

  /** vmballoon_deflate toward the target: 4 KiB pages first, then 2 MiB ones. */
  private deflate(out: VmwEffect[]): void {
    let pg = 1;
    let want: number;
    while ((want = -this.change()) > 0) {
      const n = Math.min(this.batchMax, Math.ceil(want / pg));
      const list = pg === 1 ? this.pages4k : this.pages2m;
      const pages: number[] = [];
      for (let i = list.size - 1; i >= 0 && pages.length < n; i--) pages.push(list.at(i));
      const done = this.unlockPages(pages, pg, out);
      if (done < n) {
        if (pg !== 1 || !this.large) break;
        pg = this.L;
      }
      if (this.resetRequired) break;
    }
  }

  /**
   * vmballoon_migratepage: UNLOCK the old 4 KiB page, LOCK the new one in its place; if that LOCK
   * fails the balloon is one page smaller. Nothing changes when the old page is not unlocked.
   * Linux goes through vmballoon_lock_op, so it uses the basic LOCK/UNLOCK when batching is off;
   * the testbed migrates only with batching (system.ts refuses vmware/no-migration otherwise).
   */
  migrate(old: number, fresh: number, out: VmwEffect[]): void {
    const before = this.size;
    this.migrateOne(old, fresh, out);
    this.report(before, out);
  }

  private migrateOne(old: number, fresh: number, out: VmwEffect[]): void {
    const u = this.send('batched-unlock', [ppnOf(this.cfg, old)], out, 0, 'migrate');
    if ((u.status === 'success' ? u.entries[0] : u.status) !== 'success') return;
    this.pages4k.delete(old);
    this.give(old, 1);
    this.mem.free.delete(fresh);
    this.mem.setPage(fresh, PageState.Inflating);
    const l = this.send('batched-lock', [ppnOf(this.cfg, fresh)], out, 0, 'migrate');
    if ((l.status === 'success' ? l.entries[0] : l.status) === 'success') {
      this.mem.setPage(fresh, PageState.Ballooned);
      this.pages4k.add(fresh);
      return;
    }
    this.give(fresh, 1);
    this.size = this.size - 1;
  }
}
