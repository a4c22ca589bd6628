/**
 * Layouts of real machines in every family's generated configurations (properties/layout.ts):
 * valid for the family, common enough, and reaching the page numbers where width bugs live.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gpfnOfPfn, pfnEnd, pfnOf } from '../../core/layout.ts';
import { FAMILIES } from '../../properties/families.ts';

describe.each(FAMILIES.map((f) => [f.name, f] as const))('layouts of %s', (name, family) => {
  const cases = fc.sample(family.caseArb({ maxCommands: 0 }), { numRuns: 300, seed: 11 }) as { config: { guests: { ramPages: number; holePages: number; layout?: { from: number; pfn: number }[] }[] } }[];
  const guests = cases.flatMap((c) => c.config.guests);
  const laid = guests.filter((g) => g.layout);

  it('every generated configuration is one the family accepts, and every layout maps both ways', () => {
    for (const c of cases) expect(family.configProblems(c.config as never)).toEqual([]);
    for (const g of laid) for (let n = 0; n < g.ramPages + g.holePages; n++) expect(gpfnOfPfn(g, pfnOf(g, n))).toBe(n);
  });

  it('small dense guests stay the rule; laid-out ones reach past 2^31, and past 2^32 where the wire is wider', () => {
    expect(laid.length).toBeGreaterThan(guests.length / 20);
    expect(laid.length).toBeLessThan(guests.length * 0.6);
    expect(laid.some((g) => pfnEnd(g) > 2 ** 31)).toBe(true);
    if (name === 'virtio') expect(laid.every((g) => pfnEnd(g) <= 2 ** 32)).toBe(true);
    else expect(laid.some((g) => pfnEnd(g) > 2 ** 32) && laid.some((g) => pfnEnd(g) === 2 ** 40)).toBe(true);
  });
});
