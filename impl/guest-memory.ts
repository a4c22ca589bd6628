/**
 * A guest's physical memory: the gpfn space with its p2m (gpfn to frame, or unbacked), an
 * assigned device's DMA view when there is one, and the page allocator, which works in guest
 * pages (1 or 16 gpfns) and records each gpfn's state. Frames are populated lazily on the first
 * touch, as KVM does, and after a deflate the next touch gets a fresh zeroed frame (QEMU).
 */
import {
  fillGpfns, gpfnArray, gpfnSpace, PageState, UNBACKED, type GpfnArray, type WorldGuestConfig, type GuestCounts,
} from '../core/index.ts';
import type { HostFrames } from './host.ts';
import { IndexSet } from './index-set.ts';

export class GuestMemory {
  readonly gpp: number;
  readonly space: number;
  readonly p2m: GpfnArray;
  readonly dmaView: GpfnArray | null;
  readonly pageState: GpfnArray;
  /** Guest pages (not gpfns) by allocator state. */
  readonly free: IndexSet;
  readonly used: IndexSet;
  readonly counts: GuestCounts = { free: 0, used: 0, inflating: 0, ballooned: 0, deflating: 0 };

  constructor(readonly id: number, readonly cfg: WorldGuestConfig, readonly host: HostFrames) {
    this.gpp = cfg.guestPageGpfns;
    this.space = gpfnSpace(cfg);
    const pages = this.space / this.gpp;
    // Every map starts as its default (core/paged.ts): nothing is backed, every RAM page is free
    // and on the free list in address order, so a huge guest costs nothing until it touches a
    // page. The hole's pages are written (Hole), a guest page skipped when its first gpfn is in it.
    this.p2m = gpfnArray(Int32Array, this.space, UNBACKED);
    this.dmaView = cfg.assignedDevice ? gpfnArray(Int32Array, this.space, UNBACKED) : null;
    this.pageState = gpfnArray(Uint8Array, this.space, PageState.Free);
    const h0 = Math.ceil(cfg.holeStart / this.gpp);
    const h1 = Math.max(h0, Math.min(pages, Math.ceil((cfg.holeStart + cfg.holePages) / this.gpp)));
    const gap = cfg.holePages > 0 ? h1 - h0 : 0;
    for (let p = h0; p < h0 + gap; p++) fillGpfns(this.pageState, PageState.Hole, p * this.gpp, (p + 1) * this.gpp);
    const ram = pages - gap;
    this.free = new IndexSet(pages, {
      count: ram,
      at: (i) => (i < h0 ? i : i + gap),
      pos: (p) => (p < h0 ? p : p < h0 + gap ? -1 : p - gap),
    });
    this.used = new IndexSet(pages);
    this.counts.free = ram * this.gpp;
  }

  /** Move guest page `p` to state `s`, keeping the counters in step. */
  setPage(p: number, s: PageState): void {
    if (this.gpp === 1) {
      // 4 KiB guest pages (most configurations): one gpfn, no fill.
      const old = this.pageState[p];
      if (old === s) return;
      this.bump(old, -1);
      this.bump(s, 1);
      this.pageState[p] = s;
      return;
    }
    const g0 = p * this.gpp;
    const old = this.pageState[g0];
    this.bump(old, -this.gpp);
    this.bump(s, this.gpp);
    fillGpfns(this.pageState, s, g0, g0 + this.gpp);
  }

  private bump(s: number, d: number): void {
    switch (s) {
      case PageState.Free: this.counts.free += d; break;
      case PageState.Used: this.counts.used += d; break;
      case PageState.Inflating: this.counts.inflating += d; break;
      case PageState.Ballooned: this.counts.ballooned += d; break;
      case PageState.Deflating: this.counts.deflating += d; break;
    }
  }

  /** Back `gpfn` with a fresh frame if it has none; the frame, or -1 when the host is out. */
  populate(gpfn: number): number {
    const have = this.p2m[gpfn];
    if (have !== UNBACKED) return have;
    const f = this.host.map(this.id, gpfn);
    if (f < 0) return -1;
    this.p2m[gpfn] = f;
    if (this.dmaView) this.dmaView[gpfn] = f;
    return f;
  }

  /** Drop the backing of `gpfn` and give the frame back to the host; the frame, or -1. */
  unback(gpfn: number): number {
    const f = this.p2m[gpfn];
    if (f === UNBACKED) return -1;
    this.p2m[gpfn] = UNBACKED;
    if (this.dmaView) this.dmaView[gpfn] = UNBACKED;
    this.host.release(f);
    return f;
  }

  /**
   * The discard-not-propagated fault: give the frame back to the host but leave the p2m (and DMA
   * view) mapping it. The frame, or -1.
   */
  releaseOnly(gpfn: number): number {
    const f = this.p2m[gpfn];
    if (f === UNBACKED || this.host.owner[f] !== this.id || this.host.ownerGpfn[f] !== gpfn) return -1;
    this.host.release(f);
    return f;
  }

  /** Gpfns of guest page `p` that have no frame: what touching it would populate. */
  unbackedIn(p: number): number {
    let n = 0;
    for (let g = p * this.gpp; g < (p + 1) * this.gpp; g++) if (this.p2m[g] === UNBACKED) n++;
    return n;
  }

  /** The used gpfn that `pick` names, or -1 when nothing is used. */
  usedGpfn(pick: number): number {
    const n = this.used.size;
    if (n === 0) return -1;
    const page = this.used.at(pick % n);
    return page * this.gpp + (Math.floor(pick / n) % this.gpp);
  }
}

/**
 * `n` distinct indices below `size`, starting where `pick` says: which free or used pages a guest
 * program's allocation or free takes, in every family. No state, so shrinking is stable.
 */
export function choose(size: number, n: number, pick: number): number[] {
  const start = pick % size;
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((start + i) % size);
  return out;
}
