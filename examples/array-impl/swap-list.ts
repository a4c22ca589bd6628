/**
 * An ordered pool of small integers on a plain array plus a Map from member to slot. Removal
 * moves the last member into the hole (swap-removal), so the order is insertion order disturbed
 * only by removals. That order is part of the spec, not an accident: commands choose pages by
 * position (`pick`), so two implementations agree only if their pools keep members in the same
 * order.
 * @internal
 */
export class SwapList {
  private readonly items: number[] = [];
  private readonly slot = new Map<number, number>();

  get size(): number { return this.items.length; }
  at(i: number): number { return this.items[i]; }
  /** The most recently added member, or -1. */
  last(): number { return this.items.length === 0 ? -1 : this.items[this.items.length - 1]; }

  add(x: number): void {
    if (this.slot.has(x)) return;
    this.slot.set(x, this.items.length);
    this.items.push(x);
  }

  delete(x: number): void {
    const i = this.slot.get(x);
    if (i === undefined) return;
    const moved = this.items.pop()!;
    this.slot.delete(x);
    if (moved !== x) { this.items[i] = moved; this.slot.set(moved, i); }
  }

  clear(): void { this.items.length = 0; this.slot.clear(); }
}
