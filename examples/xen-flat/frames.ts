/**
 * The host's frames for the example: who owns each frame, and a stack of the free ones (the
 * highest frame is handed out first; the reference hands out the lowest: either is allowed).
 * Each frame also holds the token last written to it, which is all the "memory" a test needs.
 */
import { FRAME_FREE, FRAME_RESERVED } from '../../core/index.ts';

export class Frames {
  readonly owner: Int32Array;
  readonly ownerGpfn: Int32Array;
  readonly content: Int32Array;
  private readonly free: number[] = [];

  constructor(readonly total: number, readonly reserved: number) {
    this.owner = new Int32Array(total).fill(FRAME_FREE);
    this.ownerGpfn = new Int32Array(total).fill(-1);
    this.content = new Int32Array(total);
    for (let f = 0; f < total; f++) {
      if (f < reserved) this.owner[f] = FRAME_RESERVED;
      else this.free.push(f);
    }
  }

  get freeCount(): number { return this.free.length; }

  /** A free frame for gpfn `gpfn` of guest `guest`, or -1 when none is left. */
  take(guest: number, gpfn: number): number {
    const f = this.free.pop();
    if (f === undefined) return -1;
    this.owner[f] = guest;
    this.ownerGpfn[f] = gpfn;
    return f;
  }

  give(f: number): void {
    this.owner[f] = FRAME_FREE;
    this.ownerGpfn[f] = -1;
    this.content[f] = 0;
    this.free.push(f);
  }
}
