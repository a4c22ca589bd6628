/**
 * The guest's balloon, after VBoxGuest.cpp's kernel path (vboxGuestSetBalloonSizeKernel,
 * vboxGuestBalloonInflate, vboxGuestBalloonDeflate, vboxGuestCloseMemBalloon): told of the balloon
 * event it fetches the wanted size (VMMDevReq_GetMemBalloonChangeRequest, which acknowledges the
 * event), refuses one above its maximum chunk count, then sends one chunk per step: inflate
 * upward with freshly allocated pages, deflate from the top, a chunk's pages freed only after its
 * deflate succeeded. A change the host queued (several CPUs) is counted when the EMT applied it.
 */
import { guestId, PageState } from '../../core/index.ts';
import { maxChunksOf, physChunksOf, type VboxEffect, type VboxGuestConfig } from '../../core/virtualbox/index.ts';
import type { GuestMemory } from '../guest-memory.ts';
import type { VboxFaults } from './faults.ts';
import type { VboxChange, VboxHost } from './host.ts';

interface InFlight { inflate: boolean; gpfns: number[]; counted: boolean }

export class VboxDriver {
  /** MemBalloon.paMemObj: the counted chunks, bottom first; each its gpfns. */
  readonly chunks: number[][] = [];
  maxChunks = 0;
  wanted = 0;
  /** VBoxService queries the balloon once when it starts, as after a delivered event. */
  told = true;
  inFlight: InFlight | null = null;
  closing = false;

  constructor(readonly cfg: VboxGuestConfig, readonly chunkPages: number, readonly mem: GuestMemory, readonly host: VboxHost, readonly faults: VboxFaults) {}

  private get gid() { return guestId(this.mem.id); }
  private size(out: VboxEffect[]): void { out.push({ kind: 'actual-written', guest: this.gid, actual: this.chunks.length * this.chunkPages }); }
  private mark(gpfns: readonly number[], s: PageState): void { for (const n of gpfns) this.mem.setPage(n, s); }
  private toAllocator(gpfns: readonly number[]): void { for (const n of gpfns) { this.mem.setPage(n, PageState.Free); this.mem.free.add(n); } }

  /** One step of the balloon worker. */
  step(out: VboxEffect[]): void {
    if (this.inFlight) return; // the request is queued on the host's EMT: wait for it
    if (this.closing) {
      if (this.chunks.length > 0) { this.deflateTop(out); return; }
      // Closed: the session's state goes; a new VBoxService queries the balloon again.
      this.closing = false;
      this.maxChunks = 0;
      this.wanted = 0;
      this.told = true;
      out.push({ kind: 'session', guest: this.gid, step: 'closed' });
      return;
    }
    if (this.told) { this.fetch(out); return; }
    if (this.maxChunks === 0) return;
    if (this.chunks.length < this.wanted) this.inflate(out);
    else if (this.chunks.length > this.wanted) this.deflateTop(out);
  }

  /** VMMDevReq_GetMemBalloonChangeRequest with the event acknowledged. */
  private fetch(out: VboxEffect[]): void {
    this.told = false;
    this.host.eventPending = false;
    const wanted = this.host.wanted;
    this.maxChunks = maxChunksOf(this.cfg, this.chunkPages);
    // vboxGuestSetBalloonSizeKernel: above the maximum is VERR_INVALID_PARAMETER; the fault
    // compares with the maximum where the current count was meant.
    const accepted = wanted <= this.maxChunks && !(this.faults['max-compare'] && wanted === this.maxChunks);
    if (accepted) this.wanted = wanted;
    out.push({ kind: 'get-balloon-req', guest: this.gid, wanted, physChunks: physChunksOf(this.cfg, this.chunkPages), accepted });
  }

  /** One chunk up: allocate chunkPages pages (RTR0MemObjAllocPhysNC), then ChangeMemBalloon(inflate). */
  private inflate(out: VboxEffect[]): void {
    const free = this.mem.free;
    if (free.size < this.chunkPages) { out.push({ kind: 'out-of-puff', guest: this.gid }); return; }
    const gpfns: number[] = [];
    for (let i = 0; i < this.chunkPages; i++) gpfns.push(free.at(i));
    for (const n of gpfns) free.delete(n);
    this.mark(gpfns, PageState.Inflating);
    const { rc, queued } = this.host.change({ inflate: true, addrs: gpfns.map((n) => n * 4096) }, 'driver', out);
    if (rc !== 'VINF_SUCCESS') { this.toAllocator(gpfns); return; }
    if (!queued) { this.inflated(gpfns, out); return; }
    const counted = this.faults['async-read-as-done'];
    if (counted) this.inflated(gpfns, out);
    this.inFlight = { inflate: true, gpfns, counted };
  }

  private inflated(gpfns: number[], out: VboxEffect[]): void {
    this.mark(gpfns, PageState.Ballooned);
    this.chunks.push(gpfns);
    this.size(out);
  }

  /** The top chunk down: ChangeMemBalloon(deflate); its pages go back only once that succeeded. */
  private deflateTop(out: VboxEffect[]): void {
    const gpfns = this.chunks[this.chunks.length - 1];
    this.mark(gpfns, PageState.Deflating);
    const early = this.faults['free-before-deflate'];
    if (early) this.deflated(out);
    const { rc, queued } = this.host.change({ inflate: false, addrs: gpfns.map((n) => n * 4096) }, 'driver', out);
    if (early) { if (queued) this.inFlight = { inflate: false, gpfns, counted: true }; return; }
    if (rc !== 'VINF_SUCCESS') { this.mark(gpfns, PageState.Ballooned); return; }
    if (queued) this.inFlight = { inflate: false, gpfns, counted: false };
    else this.deflated(out);
  }

  private deflated(out: VboxEffect[]): void {
    const gpfns = this.chunks.pop()!;
    this.toAllocator(gpfns);
    this.size(out);
  }

  /** The EMT applied the driver's queued change: the request completes. */
  complete(c: VboxChange, out: VboxEffect[]): void {
    const f = this.inFlight;
    this.inFlight = null;
    if (!f || f.counted) return;
    if (c.inflate) this.inflated(f.gpfns, out); else this.deflated(out);
  }

  /** vboxGuestCloseMemBalloon: the session closes; the balloon is deflated from the top. */
  close(out: VboxEffect[]): void {
    this.closing = true;
    out.push({ kind: 'session', guest: this.gid, step: 'closing' });
  }
}
