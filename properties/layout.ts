/**
 * Layouts of real machines as a swarm dimension (issue 22): one case in four places each guest's
 * pages the way a real machine's firmware does (core/layout.ts), the others keep today's dense
 * gpfn space, so small cases stay the rule and a default run costs what it did. A laid-out guest
 * keeps its pages (the maps stay as small as they were); only where they sit changes:
 * - low RAM from 0 up to the hole, the hole in the 32-bit PCI window (3 to 4 GiB);
 * - the rest above it, at one of: 4 GiB (where a PC's RAM resumes), straddling 2^31 (where a
 *   32-bit page number turns negative if read signed), straddling 2^32 (where a 32-bit field
 *   runs out), at 2^32 itself (16 TiB: a page there and the page at its low 32 bits differ only
 *   past bit 31), or ending at the top of what the family's wire carries (2^32 for virtio, 2^40
 *   else: the x86-64 limit);
 * - now and then split by a NUMA gap, its second half ending at that top.
 * Every range starts on a multiple of `align` (a guest page, a host page, a chunk), so no guest
 * or host page straddles two ranges. A guest without a hole is split in the middle.
 */
import fc from 'fast-check';
import { PFN_4GIB, PFN_LIMIT_BITS, type GuestLayout, type LayoutBreak, type WorldGuestConfig } from '../core/index.ts';

/** What a family's wire carries: page-number width in bits, and the alignment of a guest's ranges. */
export interface LayoutWire<C> {
  bits: number;
  align: (config: C, guest: number) => number;
}

type Shape = 'above-4g' | 'straddle-2^31' | 'straddle-2^32' | 'at-2^32' | 'top';

const up = (n: number, a: number) => Math.ceil(n / a) * a;
const down = (n: number, a: number) => Math.floor(n / a) * a;

/** The layout of `g` for one shape, or undefined when the guest is too small to split. */
export function layoutFor(g: WorldGuestConfig, shape: Shape, numaGap: boolean, bits: number, align: number): GuestLayout | undefined {
  const span = g.ramPages + g.holePages;
  const top = 2 ** Math.min(bits, PFN_LIMIT_BITS);
  // Low RAM ends where the hole starts (or half way, without a hole); high RAM starts after it.
  const split = g.holePages > 0 ? down(g.holeStart, align) : down(span / 2, align);
  const highFrom = g.holePages > 0 ? Math.min(span, up(g.holeStart + g.holePages, align)) : split;
  const high = span - highFrom;
  if (high < align) return undefined;
  const half = Math.max(align, down(high / 2, align));
  const base = {
    'above-4g': PFN_4GIB,
    'straddle-2^31': 2 ** 31 - half,
    'straddle-2^32': 2 ** 32 - half,
    'at-2^32': 2 ** 32,
    'top': top - up(high, align),
  }[shape];
  if (base < PFN_4GIB || base + up(high, align) > top) return undefined;
  const out: LayoutBreak[] = [{ from: 0, pfn: 0 }];
  // The hole's gpfns end right below 4 GiB, inside the PCI window.
  if (highFrom > split) out.push({ from: split, pfn: PFN_4GIB - (highFrom - split) });
  out.push({ from: highFrom, pfn: base });
  const mid = highFrom + half;
  if (numaGap && shape !== 'top' && mid < span) {
    const far = top - up(span - mid, align);
    if (far > base + half) out.push({ from: mid, pfn: far });
  }
  // Breaks at the same gpfn: the later one wins (a guest with no low RAM starts high).
  return out.filter((b, i) => i + 1 >= out.length || out[i + 1].from !== b.from);
}

const SHAPES_32: readonly Shape[] = ['above-4g', 'straddle-2^31', 'top'];
const SHAPES_64: readonly Shape[] = ['above-4g', 'straddle-2^31', 'straddle-2^32', 'at-2^32', 'top'];

/**
 * `configs` with, in one case of four, every guest laid out as a real machine whose wire is
 * `wire`. Shrinking drops the layouts first (the dense case is the first alternative).
 */
export function withLayouts<G extends WorldGuestConfig, C extends { guests: readonly G[] }>(configs: fc.Arbitrary<C>, wire: LayoutWire<C>): fc.Arbitrary<C> {
  return configs.chain((c) => layoutsArb(c, wire));
}

/**
 * `c` as it is in three cases of four, else with every guest laid out. A workload draws it after
 * its commands (a layout moves no gpfn, so the commands do not depend on it): a seed keeps the
 * commands it gave before layouts, and each part shrinks on its own.
 */
export function layoutsArb<G extends WorldGuestConfig, C extends { guests: readonly G[] }>(c: C, wire: LayoutWire<C>): fc.Arbitrary<C> {
  const shapes = wire.bits > 32 ? SHAPES_64 : SHAPES_32;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(c) },
    {
      weight: 1,
      arbitrary: fc.tuple(...c.guests.map(() => fc.tuple(fc.constantFrom(...shapes), fc.boolean()))).map((picks) => ({
        ...c,
        guests: c.guests.map((g, i) => {
          const layout = layoutFor(g, picks[i][0], picks[i][1], wire.bits, wire.align(c, i));
          return layout ? { ...g, layout } : g;
        }),
      })),
    },
  );
}
