/**
 * A set of small integers with O(1) add, remove and pick-by-index, and a deterministic order
 * (insertion order, disturbed only by swap-removal). The allocators use it so that `pick` in a
 * command chooses a page in constant time whatever the memory size.
 *
 * Its two tables are per-gpfn maps (core/paged.ts): typed arrays for a guest of ordinary size,
 * paged past the threshold, so a huge guest's sets cost what they hold. A set may start out
 * holding `initial.count` members without listing them: member i is `initial.at(i)` and `x` sits
 * at `initial.pos(x)` (or -1) until a change touches them, which is exactly the state adding those
 * members in order would leave (a guest's free list of every RAM page, GuestMemory).
 * @internal
 */
import { gpfnArray, type GpfnArray } from '../core/index.ts';

export interface InitialMembers {
  count: number;
  /** The i-th member, for i below count. */
  at(i: number): number;
  /** Where `x` sits, or -1 when it is not a member. */
  pos(x: number): number;
}

export class IndexSet {
  private readonly items: GpfnArray;
  private readonly pos: GpfnArray;
  private n = 0;

  constructor(capacity: number, initial?: InitialMembers) {
    this.items = initial ? gpfnArray(Int32Array, capacity, (i) => (i < initial.count ? initial.at(i) : 0)) : gpfnArray(Int32Array, capacity);
    this.pos = initial ? gpfnArray(Int32Array, capacity, (x) => initial.pos(x)) : gpfnArray(Int32Array, capacity, -1);
    this.n = initial?.count ?? 0;
  }

  get size(): number { return this.n; }
  has(x: number): boolean { return this.pos[x] !== -1; }
  at(i: number): number { return this.items[i]; }
  /** The most recently added member, or -1. */
  last(): number { return this.n === 0 ? -1 : this.items[this.n - 1]; }

  add(x: number): void {
    if (this.pos[x] !== -1) return;
    this.items[this.n] = x;
    this.pos[x] = this.n++;
  }

  delete(x: number): void {
    const p = this.pos[x];
    if (p === -1) return;
    const moved = this.items[--this.n];
    this.items[p] = moved;
    this.pos[moved] = p;
    this.pos[x] = -1;
  }

  clear(): void {
    for (let i = 0; i < this.n; i++) this.pos[this.items[i]] = -1;
    this.n = 0;
  }
}
