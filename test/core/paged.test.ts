/**
 * Paged per-gpfn maps (core/paged.ts, issue 22): a huge guest costs the pages it touches, and a
 * guest on paged maps behaves exactly as one on typed arrays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  fillGpfns, forkState, gpfnArray, gpfnArrayBytes, isPaged, setPagedThreshold, touchedRanges, type WorldObservation,
} from '../../core/index.ts';
import { vboxGuestConfig, vboxSystemConfig, type VboxSystemConfig } from '../../core/virtualbox/index.ts';
import { vboxShape } from '../../core/virtualbox/shape.ts';
import { createVboxReference } from '../../impl/virtualbox/index.ts';
import { runVboxCase, virtualbox } from '../../properties/virtualbox/index.ts';
import { vboxCommandsArb } from '../../properties/virtualbox/workload.ts';

const seed = Number(process.env.FC_SEED ?? 42);
let restore: number | null = null;
afterEach(() => { if (restore !== null) setPagedThreshold(restore); restore = null; });

describe('paged maps', () => {
  it('read the default until written, keep what is written, and list only touched chunks', () => {
    restore = setPagedThreshold(16);
    const a = gpfnArray(Int32Array, 2 ** 30, -1);
    expect(isPaged(a)).toBe(true);
    expect([a.length, a[0], a[2 ** 30 - 1], a[2 ** 30], a[-1]]).toEqual([2 ** 30, -1, -1, undefined, undefined]);
    a[5] = -1; // the default: touches nothing
    expect(touchedRanges(a)).toEqual([]);
    a[2 ** 29 + 7] = 42; a[9000] = 3; a[4096] = 4;
    expect([a[2 ** 29 + 7], a[9000], a[4096], a[4097]]).toEqual([42, 3, 4, -1]);
    expect(touchedRanges(a)).toEqual([[4096, 12288], [2 ** 29, 2 ** 29 + 4096]]);
    expect(gpfnArrayBytes(a)).toBe(3 * 4096 * 4);
    const copy = forkState({ a }).a;
    copy[9000] = 5;
    expect([a[9000], copy[9000], copy[4096]]).toEqual([3, 5, 4]);
    fillGpfns(a, -1);
    expect([touchedRanges(a), a[9000]]).toEqual([[], -1]);
  });

  it('a typed array below the threshold, scanned whole', () => {
    const a = gpfnArray(Uint8Array, 100, 1);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(touchedRanges(a)).toEqual([[0, 100]]);
  });

  it('a guest on paged maps gives the same observations as on typed arrays, step by step', () => {
    const config = vboxSystemConfig();
    const runs = fc.sample(vboxCommandsArb(config, 80), { seed, numRuns: 10 });
    const flat = (o: WorldObservation) => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'object' && v !== null && 'length' in v && !Array.isArray(v) ? Array.from(v as ArrayLike<number>) : v));
    for (const cmds of runs) {
      const dense = createVboxReference(config);
      restore = setPagedThreshold(0);
      const paged = createVboxReference(config);
      setPagedThreshold(restore); restore = null;
      expect(isPaged(paged.observe().guests[0].p2m)).toBe(true);
      expect(vboxShape.observationProblems(paged.observe(), config)).toEqual([]);
      for (const c of cmds) {
        expect(JSON.stringify(paged.apply(c))).toBe(JSON.stringify(dense.apply(c)));
        expect(flat(paged.observe())).toBe(flat(dense.observe()));
      }
    }
  });

  it('a VirtualBox guest of 2^30 RAM pages at a 2^40 span is built and checked in memory far below its RAM', () => {
    const ram = 2 ** 30;
    const hole = 0x40000; // the 32-bit PCI hole, 3 to 4 GiB
    const config: VboxSystemConfig = vboxSystemConfig({
      hostFrames: 8192,
      guests: [vboxGuestConfig({
        ramPages: ram, holeStart: 0xc0000, holePages: hole, floorPages: ram - 4096,
        layout: [{ from: 0, pfn: 0 }, { from: 0xc0000 + hole, pfn: 2 ** 40 - (ram - 0xc0000) }],
      })],
    });
    const before = process.memoryUsage();
    const [cmds] = fc.sample(vboxCommandsArb(config, 300), { seed, numRuns: 1 });
    const r = runVboxCase(createVboxReference, { config, commands: cmds }, virtualbox.properties);
    expect(r.failure).toBeNull();
    const sys = createVboxReference(config);
    for (const c of cmds) sys.apply(c);
    const g = sys.observe().guests[0];
    expect(g.pageState.length).toBe(ram + hole);
    expect(g.counts.free + g.counts.used + g.counts.inflating + g.counts.ballooned + g.counts.deflating).toBe(ram);
    // Typed arrays would take 5 B per gpfn (5 GiB); the paged maps hold the hole's page states
    // (256 KiB) and the chunks touched. An upper bound far from both.
    const after = process.memoryUsage();
    expect(after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers).toBeLessThan(512 * 2 ** 20);
    expect(gpfnArrayBytes(g.pageState) + gpfnArrayBytes(g.p2m)).toBeLessThan(16 * 2 ** 20);
  });
});
