/**
 * The host's frame table: every frame is free, reserved, or mapped by exactly one (guest, gpfn).
 * A host out of frames answers -1 and changes nothing; overcommit is allowed (guests may sum to
 * more memory than the host has), so running out is an ordinary event, not an error.
 */
import { FRAME_FREE, FRAME_RESERVED, type HostObservation } from '../core/index.ts';

export class HostFrames {
  readonly owner: Int32Array;
  readonly ownerGpfn: Int32Array;
  /** What each frame holds: the last token written through it; 0 is a zeroed frame. */
  readonly content: Int32Array;
  private readonly freeStack: Int32Array;
  private top = 0;

  constructor(readonly total: number, readonly reserved: number) {
    this.owner = new Int32Array(total).fill(FRAME_FREE);
    this.ownerGpfn = new Int32Array(total).fill(-1);
    this.content = new Int32Array(total);
    this.freeStack = new Int32Array(total);
    for (let f = 0; f < reserved; f++) this.owner[f] = FRAME_RESERVED;
    // Highest first, so the lowest free frame is handed out first: runs read naturally.
    for (let f = total - 1; f >= reserved; f--) this.freeStack[this.top++] = f;
  }

  get freeCount(): number { return this.top; }

  /** Take a free frame, zero it and map it to (guest, gpfn); -1 when the host has none. */
  map(guest: number, gpfn: number): number {
    if (this.top === 0) return -1;
    const f = this.freeStack[--this.top];
    this.owner[f] = guest;
    this.ownerGpfn[f] = gpfn;
    this.content[f] = 0;
    return f;
  }

  /** Unmap a frame and give it back to the host. */
  release(f: number): void {
    this.owner[f] = FRAME_FREE;
    this.ownerGpfn[f] = -1;
    this.freeStack[this.top++] = f;
  }

  observe(): HostObservation {
    return { totalFrames: this.total, reservedFrames: this.reserved, freeFrames: this.top, owner: this.owner, ownerGpfn: this.ownerGpfn };
  }
}
