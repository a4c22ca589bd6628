// The campaign's plan (properties/shard.ts): shards partition the units exactly, stay balanced,
// and a unit's seed depends on the campaign seed, family and block only.
import { describe, expect, it } from 'vitest';
import { parseShard, shardOf, shardSize, shardUnits, totalUnits, unitAt, unitSeed, WHOLE, type Plan } from '../../properties/shard.ts';

const plan = (o: Partial<Plan> = {}): Plan => ({ seed: 7, families: ['virtio', 'xen', 'vmware'], chunk: 30, runsPerFamily: 1000, shard: WHOLE, ...o });

describe('shards', () => {
  it.each([1, 2, 3, 4, 7])('%i shards together hold each unit of the whole campaign exactly once, in order', (n) => {
    const whole = [...shardUnits(plan())];
    expect(whole.length).toBe(totalUnits(plan()));
    const parts = Array.from({ length: n }, (_, i) => [...shardUnits(plan({ shard: { index: i + 1, count: n } }))]);
    const union = parts.flat().sort((a, b) => a.unit - b.unit);
    expect(union).toEqual(whole);
    for (const p of parts) expect(p.map((u) => u.unit)).toEqual([...p.map((u) => u.unit)].sort((a, b) => a - b));
  });

  it('every family gets its run budget, the last block short', () => {
    const units = [...shardUnits(plan())];
    for (const f of plan().families) {
      const mine = units.filter((u) => u.family === f);
      expect(mine.reduce((n, u) => n + u.runs, 0)).toBe(1000);
      expect(mine.map((u) => u.block)).toEqual(mine.map((_, i) => i));
      expect(mine.at(-1)!.runs).toBe(1000 - 33 * 30);
    }
  });

  it('shards are balanced, and each gets every family even when N and the family count share a factor', () => {
    for (const [families, n] of [[['a', 'b'], 2], [['a', 'b', 'c'], 3], [['a', 'b'], 4]] as const) {
      const p = plan({ families: [...families], runsPerFamily: 30 * 24 });
      const parts = Array.from({ length: n }, (_, i) => [...shardUnits({ ...p, shard: { index: i + 1, count: n } })]);
      const sizes = parts.map((x) => x.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      for (const part of parts) expect(new Set(part.map((u) => u.family))).toEqual(new Set(families));
    }
  });

  it('every N consecutive units go one to each shard', () => {
    for (const n of [2, 3, 5]) for (let g = 0; g < 10; g++) {
      expect(new Set(Array.from({ length: n }, (_, i) => shardOf(g * n + i, n))).size).toBe(n);
    }
  });

  it('a time budget has no end: units go on past any run budget, on the same seeds', () => {
    const endless = shardUnits(plan({ runsPerFamily: null }));
    const first = Array.from({ length: 500 }, () => endless.next().value!);
    expect(first.at(-1)!.unit).toBe(499);
    expect(first.slice(0, 10).map((u) => u.seed)).toEqual([...shardUnits(plan())].slice(0, 10).map((u) => u.seed));
    expect(totalUnits(plan({ runsPerFamily: null }))).toBeNull();
  });
});

describe('shardSize', () => {
  it('counts the units and runs that shardUnits lists, for uneven budgets and shard counts', () => {
    for (const runsPerFamily of [1, 29, 30, 31, 1000]) for (const families of [['a'], ['a', 'b'], ['a', 'b', 'c']]) for (const count of [1, 2, 3, 4, 7]) {
      for (let index = 1; index <= count; index++) {
        const p = plan({ runsPerFamily, families, shard: { index, count } });
        const listed = [...shardUnits(p)];
        expect(shardSize(p), JSON.stringify({ runsPerFamily, families, index, count })).toEqual({ units: listed.length, runs: listed.reduce((n, u) => n + u.runs, 0) });
      }
    }
  });
  it('is null under a time budget', () => expect(shardSize(plan({ runsPerFamily: null }))).toBeNull());
});

describe('unit seeds', () => {
  it('follow from (seed, family, block) alone, differ between units and between campaign seeds', () => {
    expect(unitSeed(1, 'virtio', 3)).toBe(unitSeed(1, 'virtio', 3));
    const seeds = [...shardUnits(plan())].map((u) => u.seed);
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(unitAt(plan({ seed: 8 }), 0).seed).not.toBe(unitAt(plan(), 0).seed);
    for (const s of seeds) expect(s >= 0 && s < 2 ** 31 && Number.isInteger(s)).toBe(true);
  });
});

describe('parseShard', () => {
  it('reads I/N', () => expect(parseShard(' 2/4 ')).toEqual({ index: 2, count: 4 }));
  it.each(['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2', ''])('refuses %j with a message', (t) => {
    expect(() => parseShard(t)).toThrow(/shard|I\/N/);
  });
});
