/**
 * core/fork.ts: a deep copy of a state graph keeps prototypes, sharing and typed-array buffers,
 * evolves on its own, and refuses what it cannot copy (a function field) with one named error.
 */
import { describe, expect, it } from 'vitest';
import { forkState, shareOnFork } from '../../core/fork.ts';

class Counter {
  n = 0;
  readonly log: number[] = [];
  bump(): number { this.log.push(++this.n); return this.n; }
}

describe('forkState', () => {
  it('copies a class instance with its methods; the copy and the original go on apart', () => {
    const a = new Counter();
    a.bump();
    const b = forkState(a);
    expect(b).toBeInstanceOf(Counter);
    b.bump(); b.bump();
    expect([a.n, a.log]).toEqual([1, [1]]);
    expect([b.n, b.log]).toEqual([3, [1, 2, 3]]);
  });
  it('keeps sharing: two fields on one object or one typed array, Maps and Sets; copies typed arrays', () => {
    const shared = { x: 1 };
    const arr = new Int32Array(4);
    const s = { p: shared, q: shared, a: arr, b: arr, m: new Map([[1, shared]]), set: new Set([2]) };
    const c = forkState(s);
    expect(c.p).toBe(c.q);
    expect(c.m.get(1)).toBe(c.p);
    expect(c.p).not.toBe(shared);
    expect(c.a).toBe(c.b);
    c.a[2] = 7;
    expect([c.b[2], s.a[2]]).toEqual([7, 0]);
    expect(c.a).toBeInstanceOf(Int32Array);
    c.set.add(3);
    expect([...s.set]).toEqual([2]);
  });
  it('refuses a function field (closure state cannot be copied) and objects it does not know', () => {
    expect(() => forkState({ send: () => true })).toThrow(/the field send holds a function/);
    expect(() => forkState({ w: new WeakMap() })).toThrow(/the field w holds a WeakMap object/);
  });
  it('shares what shareOnFork declared unchanging, with everything reachable from it, and copies the rest', () => {
    const config = shareOnFork({ guests: [{ ramPages: 8, layout: [{ from: 0, pfn: 0 }] }], faults: new Set(['x']), gpfns: new Uint32Array(2) });
    const own = { ramPages: 8 };
    const state = { config, guest: config.guests[0], own, pages: new Uint8Array(4) };
    const fork = forkState(state);
    expect(fork.config).toBe(config);
    expect(fork.guest).toBe(config.guests[0]);
    expect(fork.config.guests[0].layout[0]).toBe(config.guests[0].layout[0]);
    expect(fork.config.faults).toBe(config.faults);
    expect(fork.config.gpfns).toBe(config.gpfns);
    expect(fork.own).not.toBe(own);
    expect(fork.own).toEqual(own);
    expect(fork.pages).not.toBe(state.pages);
    // What it returns is what it was given.
    const x = { a: 1 };
    expect(shareOnFork(x)).toBe(x);
  });
});
