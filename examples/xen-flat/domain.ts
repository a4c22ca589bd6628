/**
 * One domain of the example, as flat arrays and linear scans: per gpfn its frame, its state in the
 * guest, whether Xen holds it as given back and whether it is a populate-on-demand entry; the
 * balloon as a plain array used as a stack. No index sets, no separate allocator: a guest of a
 * few thousand pages is scanned in microseconds, and the code stays short enough to read in one go.
 */
import { isRam, PageState, UNBACKED, gpfnSpace } from '../../core/index.ts';
import type { ThreadState, XenGuestConfig } from '../../core/xen/index.ts';
import type { Frames } from './frames.ts';

export class Domain {
  readonly space: number;
  readonly p2m: Int32Array;
  readonly state: Uint8Array;
  readonly givenBack: Uint8Array;
  readonly pod: Uint8Array;
  /** PV only: the guest's own copy of its p2m. */
  readonly ownP2m: Int32Array | null;
  podEntries = 0;
  podCache = 0;

  // The balloon driver's side (Linux balloon_stats and the thread's schedule).
  current: number;
  target: number;
  balloon: number[] = [];
  lent: number[] = [];
  thread: ThreadState = 'done';
  delay = 1;
  retries = 1;
  wakeAt = 0;
  sleepCredit = 0;

  constructor(readonly id: number, readonly cfg: XenGuestConfig, private readonly frames: Frames) {
    this.space = gpfnSpace(cfg);
    this.p2m = new Int32Array(this.space).fill(UNBACKED);
    this.state = new Uint8Array(this.space);
    this.givenBack = new Uint8Array(this.space);
    this.pod = new Uint8Array(this.space);
    this.ownP2m = cfg.mode === 'pv' ? new Int32Array(this.space).fill(UNBACKED) : null;
    this.current = cfg.ramPages;
    this.target = cfg.podPages > 0 ? cfg.podPages : cfg.ramPages;
  }

  isRam(n: number): boolean { return isRam(this.cfg, n); }

  /** The gpfn holds a page for Xen: a frame, or a PoD entry a touch would back. */
  holds(n: number): boolean { return this.p2m[n] !== UNBACKED || this.pod[n] === 1; }

  /** The gpfns in state `s`, lowest first. */
  inState(s: number): number[] {
    const out: number[] = [];
    for (let n = 0; n < this.space; n++) if (this.state[n] === s) out.push(n);
    return out;
  }

  count(s: number): number {
    let k = 0;
    for (let n = 0; n < this.space; n++) if (this.state[n] === s) k++;
    return k;
  }

  mapped(): number {
    let k = 0;
    for (let n = 0; n < this.space; n++) if (this.p2m[n] !== UNBACKED) k++;
    return k;
  }

  /** Back gpfn `n` with a frame; the frame, or -1 when the host has none. */
  back(n: number): number {
    const f = this.frames.take(this.id, n);
    if (f >= 0) { this.p2m[n] = f; this.givenBack[n] = 0; }
    return f;
  }

  /** Take gpfn `n`'s frame back to the host; the frame, or -1 when it had none. */
  unback(n: number): number {
    const f = this.p2m[n];
    if (f === UNBACKED) return -1;
    this.frames.give(f);
    this.p2m[n] = UNBACKED;
    return f;
  }

  /**
   * xl create: every RAM gpfn free in the guest and backed by a frame, or, for a PoD domain, a
   * PoD entry with a cache of podPages frames to back them from. The driver starts at rest, due.
   */
  build(now: number, mapped: (n: number, f: number) => void): void {
    this.givenBack.fill(0);
    this.pod.fill(0);
    this.podEntries = 0;
    this.podCache = this.cfg.podPages;
    for (let n = 0; n < this.space; n++) {
      this.state[n] = this.isRam(n) ? PageState.Free : PageState.Hole;
      if (!this.isRam(n)) continue;
      if (this.cfg.podPages > 0) { this.pod[n] = 1; this.podEntries++; continue; }
      const f = this.back(n);
      if (f >= 0) mapped(n, f);
    }
    this.balloon = [];
    this.lent = [];
    this.current = this.cfg.ramPages;
    this.thread = 'done';
    this.delay = 1;
    this.retries = 1;
    this.wakeAt = now;
    this.sleepCredit = 0;
    this.ownP2m?.set(this.p2m);
  }

  /** xl destroy: every frame back to the host, every PoD entry and the cache gone. */
  destroy(released: (n: number, f: number) => void): void {
    for (let n = 0; n < this.space; n++) {
      const f = this.unback(n);
      if (f >= 0) released(n, f);
    }
    this.podEntries = 0;
    this.podCache = 0;
  }
}
