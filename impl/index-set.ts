/**
 * A set of small integers with O(1) add, remove and pick-by-index, and a deterministic order
 * (insertion order, disturbed only by swap-removal). The allocators use it so that `pick` in a
 * command chooses a page in constant time whatever the memory size.
 * @internal
 */
export class IndexSet {
  private readonly items: Int32Array;
  private readonly pos: Int32Array;
  private n = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
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
