/**
 * The host's frames for the array implementation: plain arrays for owner and contents, and a
 * stack of free frames. The stack order is observable (which frame a touch gets), so it follows
 * the testbed's rule: lowest frame first at start, and the most recently released frame is the
 * next one handed out.
 * @internal
 */
import { FRAME_FREE, FRAME_RESERVED } from '../../core/virtio/index.ts';

export class ArrayHost {
  readonly owner: number[] = [];
  readonly ownerGpfn: number[] = [];
  /** The last token written through each frame; 0 is a zeroed frame. */
  readonly content: number[] = [];
  private readonly freeStack: number[] = [];

  constructor(readonly total: number, readonly reserved: number) {
    for (let f = 0; f < total; f++) {
      this.owner.push(f < reserved ? FRAME_RESERVED : FRAME_FREE);
      this.ownerGpfn.push(-1);
      this.content.push(0);
    }
    for (let f = total - 1; f >= reserved; f--) this.freeStack.push(f);
  }

  get freeCount(): number { return this.freeStack.length; }

  /** A zeroed frame for (guest, gpfn), or -1 when none is free. */
  take(guest: number, gpfn: number): number {
    const f = this.freeStack.pop();
    if (f === undefined) return -1;
    this.owner[f] = guest;
    this.ownerGpfn[f] = gpfn;
    this.content[f] = 0;
    return f;
  }

  give(f: number): void {
    this.owner[f] = FRAME_FREE;
    this.ownerGpfn[f] = -1;
    this.freeStack.push(f);
  }
}
