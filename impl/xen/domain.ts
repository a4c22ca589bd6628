/**
 * One domain's memory as the hypervisor holds it: the shared guest memory (p2m, page states,
 * allocator) over the shared host frames, plus what Xen adds: which gpfns it holds as given back
 * (decrease_reservation done, not populated again) and the populate-on-demand entries and cache
 * (xen/arch/x86/mm/p2m-pod.c). The PoD cache is a claim on free host frames, a count: frames are
 * taken from the host only when an entry is backed, so the frame table stays one owner per frame.
 */
import { fillGpfns, gpfnArray, UNBACKED, type GpfnArray, type WorldGuestConfig } from '../../core/index.ts';
import { gpfnSpace, isRam } from '../../core/index.ts';
import type { XenGuestConfig } from '../../core/xen/index.ts';
import { GuestMemory } from '../guest-memory.ts';
import type { HostFrames } from '../host.ts';

/** The shared guest memory's configuration for a Xen domain: 4 KiB pages, no assigned device. */
function worldConfig(g: XenGuestConfig): WorldGuestConfig {
  return {
    ramPages: g.ramPages, guestPageGpfns: 1, holeStart: g.holeStart, holePages: g.holePages,
    floorPages: g.floorPages, assignedDevice: false,
  };
}

export class XenDomain {
  readonly mem: GuestMemory;
  readonly space: number;
  /** Per gpfn, 1 when Xen holds it as given back. */
  readonly released: GpfnArray;
  /** Per gpfn, 1 for a PoD entry. */
  readonly pod: GpfnArray;
  podEntries = 0;
  podCache = 0;
  /** A memory op of this domain was preempted and its continuation is pending. */
  continuing = false;

  constructor(readonly id: number, readonly cfg: XenGuestConfig, readonly host: HostFrames) {
    this.mem = new GuestMemory(id, worldConfig(cfg), host);
    this.space = gpfnSpace(cfg);
    this.released = gpfnArray(Uint8Array, this.space);
    this.pod = gpfnArray(Uint8Array, this.space);
  }

  isRam(n: number): boolean { return isRam(this.cfg, n); }

  /** The gpfn holds a page or a PoD entry: decrease_reservation has something to remove. */
  holdsPage(n: number): boolean { return this.mem.p2m[n] !== UNBACKED || this.pod[n] === 1; }

  /**
   * Build the domain (xl create): every RAM gpfn backed, or for a PoD domain every RAM gpfn a
   * PoD entry and a cache of podPages. Returns the frames mapped, for effects.
   */
  build(mapped: (gpfn: number, frame: number) => void): void {
    fillGpfns(this.released, 0);
    fillGpfns(this.pod, 0);
    this.podEntries = 0;
    this.podCache = 0;
    if (this.cfg.podPages > 0) {
      for (let n = 0; n < this.space; n++) if (this.isRam(n)) { this.pod[n] = 1; this.podEntries++; }
      this.podCache = this.cfg.podPages;
      return;
    }
    for (let n = 0; n < this.space; n++) {
      if (!this.isRam(n)) continue;
      const f = this.mem.populate(n);
      if (f >= 0) mapped(n, f);
    }
  }

  /** Tear the domain down: every frame back to the host. */
  destroy(released: (gpfn: number, frame: number) => void): void {
    for (let n = 0; n < this.space; n++) {
      const f = this.mem.unback(n);
      if (f >= 0) released(n, f);
    }
    this.podEntries = 0;
    this.podCache = 0;
    this.continuing = false;
  }

  /** Frames the domain maps now. */
  mappedFrames(): number {
    let k = 0;
    for (let n = 0; n < this.space; n++) if (this.mem.p2m[n] !== UNBACKED) k++;
    return k;
  }
}
