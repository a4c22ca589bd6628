// impl/index-set.ts: the allocators' set of page numbers, O(1) add, delete and pick-by-index, in
// a deterministic order (the same commands pick the same pages: the same seed, the same trace).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndexSet } from '../../impl/index-set.ts';

const members = (s: IndexSet) => Array.from({ length: s.size }, (_, i) => s.at(i));

describe('IndexSet', () => {
  it('keeps insertion order, ignores a second add, and knows its last member', () => {
    const s = new IndexSet(8);
    expect(s.last()).toBe(-1);
    for (const x of [5, 2, 7, 2]) s.add(x);
    expect(members(s)).toEqual([5, 2, 7]);
    expect([s.size, s.last(), s.has(2), s.has(3)]).toEqual([3, 7, true, false]);
  });

  it('deletes by moving the last member into the hole (swap-removal), and ignores a non-member', () => {
    const s = new IndexSet(8);
    for (const x of [1, 2, 3, 4]) s.add(x);
    s.delete(2);
    s.delete(6);
    expect(members(s)).toEqual([1, 4, 3]);
    expect(s.has(2)).toBe(false);
    // The moved member knows its new place: deleting it now removes it, not whatever sits at its old one.
    s.delete(4);
    expect(members(s)).toEqual([1, 3]);
  });

  it('clears every member and can be filled again', () => {
    const s = new IndexSet(4);
    for (const x of [0, 3]) s.add(x);
    s.clear();
    expect([s.size, s.has(0), s.has(3), s.last()]).toEqual([0, false, false, -1]);
    s.add(3);
    expect(members(s)).toEqual([3]);
  });

  it('behaves as a set under any sequence of adds and deletes', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat({ max: 15 })), { maxLength: 60 }), (ops) => {
      const s = new IndexSet(16);
      const ref = new Set<number>();
      for (const [add, x] of ops) {
        if (add) { s.add(x); ref.add(x); } else { s.delete(x); ref.delete(x); }
      }
      expect(s.size).toBe(ref.size);
      expect(new Set(members(s))).toEqual(ref);
      for (let x = 0; x < 16; x++) expect(s.has(x)).toBe(ref.has(x));
    }));
  });
});
