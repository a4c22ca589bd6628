import { describe, expect, it } from 'vitest';
import { gpfnOfPfn, layoutProblems, pfnEnd, pfnOf, PFN_4GIB } from '../../core/layout.ts';

const guest = (layout?: { from: number; pfn: number }[]) => ({ ramPages: 40, holePages: 8, layout });

describe('core/layout: where each gpfn sits', () => {
  it('without a layout gpfn n is pfn n, and pfns past the space name nothing', () => {
    const g = guest();
    expect(pfnOf(g, 17)).toBe(17);
    expect(gpfnOfPfn(g, 47)).toBe(47);
    expect(gpfnOfPfn(g, 48)).toBe(-1);
    expect(gpfnOfPfn(g, -1)).toBe(-1);
  });

  it('maps ranges both ways, and a pfn between ranges names no page', () => {
    const g = guest([{ from: 0, pfn: 0 }, { from: 16, pfn: PFN_4GIB - 8 }, { from: 24, pfn: 2 ** 40 - 24 }]);
    expect(pfnOf(g, 15)).toBe(15);
    expect(pfnOf(g, 16)).toBe(PFN_4GIB - 8);
    expect(pfnOf(g, 47)).toBe(2 ** 40 - 1);
    expect(pfnEnd(g)).toBe(2 ** 40);
    for (let n = 0; n < 48; n++) expect(gpfnOfPfn(g, pfnOf(g, n))).toBe(n);
    expect(gpfnOfPfn(g, 16)).toBe(-1);
    expect(gpfnOfPfn(g, PFN_4GIB)).toBe(-1);
    expect(gpfnOfPfn(g, 2 ** 40)).toBe(-1);
    expect(layoutProblems(g, 'guests[0]', 64, 8)).toEqual([]);
  });

  it('refuses overlapping, unordered, misaligned and too wide layouts, one line each', () => {
    expect(layoutProblems(guest([{ from: 0, pfn: 0 }, { from: 16, pfn: 8 }]), 'g', 64, 8)[0]).toMatch(/^g\.layout\[1\]\.pfn: ranges must not overlap/);
    expect(layoutProblems(guest([{ from: 0, pfn: 0 }, { from: 0, pfn: 64 }]), 'g', 64, 8)[0]).toMatch(/increasing order/);
    expect(layoutProblems(guest([{ from: 0, pfn: 4 }]), 'g', 64, 8)[0]).toMatch(/multiples of 8/);
    expect(layoutProblems(guest([{ from: 8, pfn: 0 }]), 'g', 64, 8)[0]).toMatch(/first break is at gpfn 0/);
    expect(layoutProblems(guest([{ from: 0, pfn: 0 }, { from: 24, pfn: 2 ** 32 - 16 }]), 'g', 32, 8)[0]).toMatch(/does not fit the family's 32-bit page numbers/);
    expect(layoutProblems(guest([{ from: 0, pfn: 0 }, { from: 24, pfn: 2 ** 32 - 24 }]), 'g', 32, 8)).toEqual([]);
    expect(layoutProblems(guest([{ from: 0, pfn: 2 ** 40 }]), 'g', 64, 8)[0]).toMatch(/40-bit/);
  });
});
