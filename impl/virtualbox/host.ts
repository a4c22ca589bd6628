/**
 * The host side of one guest's balloon: VMMDev's request checks (VMMDevReq_ChangeMemBalloon: one
 * chunk of pages exactly) and PGM's ballooning (pgmR3PhysChangeMemBalloonRendezvous): an inflate
 * frees each page's frame and marks it ballooned, backed by the shared zero page; a deflate turns
 * ballooned pages back into ordinary zero pages (a frame is given on the next touch). With one
 * CPU the change is done inside the request; with several it is queued for an EMT (`apply`).
 * Every page is checked before any is changed, so a bad request changes nothing.
 */
import { gpfnArray, type GpfnArray } from '../../core/index.ts';
import { frame as asFrame, gpfn as asGpfn, guestId, isRam } from '../../core/index.ts';
import type { VboxEffect, VboxGuestConfig, VboxRefusal, VboxRequest, VboxStatus } from '../../core/virtualbox/index.ts';
import type { GuestMemory } from '../guest-memory.ts';
import type { VboxFaults } from './faults.ts';

/** Requests the host fails ahead at most. */
export const MAX_ARMED = 4;

export interface VboxChange { inflate: boolean; gpfns: number[]; origin: 'driver' | 'hostile' }

export class VboxHost {
  wanted = 0;
  eventPending = false;
  ballooned = 0;
  /** Per gpfn, 1 when PGM holds it as ballooned. */
  readonly held: GpfnArray;
  readonly queue: VboxChange[] = [];
  readonly armed: VboxRefusal[] = [];

  constructor(readonly id: number, readonly cfg: VboxGuestConfig, readonly mem: GuestMemory, readonly chunkPages: number, readonly faults: VboxFaults) {
    this.held = gpfnArray(Uint8Array, mem.space);
  }

  /**
   * One ChangeMemBalloon. Returns the status and whether it was queued; with one CPU (or a
   * refusal) it is done or failed here.
   */
  change(req: VboxRequest, origin: 'driver' | 'hostile', out: VboxEffect[]): { rc: VboxStatus; queued: boolean } {
    const gpfns = req.addrs.map((a) => Math.floor(a / 4096));
    const aligned = req.addrs.every((a) => a % 4096 === 0);
    const rc = this.check(req, gpfns);
    const report = (r: VboxStatus, queued: boolean) => {
      out.push({ kind: 'change-balloon', guest: guestId(this.id), origin, inflate: req.inflate, gpfns, aligned, rc: r, queued });
      return { rc: r, queued };
    };
    if (rc !== 'VINF_SUCCESS') {
      // partial-inflate-counted: PGM works page by page up to the first bad one and counts all.
      if (this.faults['partial-inflate-counted'] && req.inflate && req.addrs.length === this.chunkPages && req.addrs.every((a) => a % 4096 === 0)) {
        const good: number[] = [];
        for (const n of gpfns) { if (!isRam(this.cfg, n) || this.held[n]) break; good.push(n); }
        const r = report('VINF_SUCCESS', false);
        this.doChange({ inflate: true, gpfns: good, origin }, out, req.addrs.length);
        return r;
      }
      return report(rc, false);
    }
    const refusal = this.armed.shift();
    if (refusal) return report(refusal, false);
    const change: VboxChange = { inflate: req.inflate, gpfns, origin };
    if (this.cfg.cpus > 1) { this.queue.push(change); return report('VINF_SUCCESS', true); }
    const r = report('VINF_SUCCESS', false);
    this.doChange(change, out);
    return r;
  }

  /** VMMDev and PGM's checks, every page before any change (VERR_INVALID_PARAMETER otherwise). */
  private check(req: VboxRequest, gpfns: number[]): VboxStatus {
    // VMMDev: the request holds exactly one chunk (cPages == VMMDEV_MEMORY_BALLOON_CHUNK_PAGES).
    if (req.addrs.length !== this.chunkPages) return 'VERR_INVALID_PARAMETER';
    const alignedOk = this.faults['first-page-aligned-only'] ? req.addrs[0] % 4096 === 0 : req.addrs.every((a) => Number.isInteger(a) && a >= 0 && a % 4096 === 0);
    if (!alignedOk) return 'VERR_INVALID_PARAMETER';
    const seen = new Set<number>();
    for (const n of gpfns) {
      // PGM: every page must be RAM of this guest (PGMPAGETYPE_RAM), named once.
      if (!isRam(this.cfg, n) || seen.has(n)) return 'VERR_INVALID_PARAMETER';
      seen.add(n);
      // Inflate of a page already ballooned, deflate of one that is not.
      if (req.inflate && this.held[n]) return 'VERR_INVALID_PARAMETER';
      if (!req.inflate && !this.held[n] && !this.faults['deflate-unchecked']) return 'VERR_INVALID_PARAMETER';
    }
    return 'VINF_SUCCESS';
  }

  /** The EMT applies the oldest queued change; null when nothing is queued. */
  applyNext(out: VboxEffect[]): VboxChange | null {
    const c = this.queue.shift();
    if (!c) return null;
    this.doChange(c, out);
    return c;
  }

  /** PGM's work: free frames to the zero page and mark ballooned, or unmark. `counted`: pages the count moves by. */
  private doChange(c: VboxChange, out: VboxEffect[], counted = c.gpfns.length): void {
    const gid = guestId(this.id);
    for (const n of c.gpfns) {
      if (c.inflate) {
        this.held[n] = 1;
        const f = this.mem.unback(n);
        if (f >= 0) out.push({ kind: 'frame-released', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) });
      } else {
        // deflate-unchecked: a page that was not ballooned loses its frame to the zero page.
        if (!this.held[n]) {
          const f = this.mem.unback(n);
          if (f >= 0) out.push({ kind: 'frame-released', guest: gid, gpfn: asGpfn(n), frame: asFrame(f) });
        }
        this.held[n] = 0;
      }
    }
    this.ballooned += c.inflate ? counted : -counted;
    out.push({ kind: 'balloon-applied', guest: gid, inflate: c.inflate, pages: counted });
  }
}
