/**
 * Situations of real machines' layouts (issue 22; core/layout.ts, properties/layout.ts): frames
 * mapped or released for pages at the page numbers where width bugs live, and hostile requests on
 * a laid-out guest with a hole in the PCI window. A family lists these beside its catalogue and
 * calls the counter's `step` on every step; it reads only the world's frame effects, so any family
 * can count it.
 */
import { pfnOf, PFN_4GIB, type WorldConfig } from '../../core/index.ts';
import type { StepContext } from '../property.ts';
import type { Situation } from './situation.ts';

/**
 * The layout situations; `bits` is the family's wire width: past it a page cannot be laid out
 * (core/layout.ts layoutProblems), which the situation says.
 */
export function layoutSituations(bits: number): Situation[] {
  const past = (n: number) => (bits <= n ? { unreachable: `the family's wire carries ${bits}-bit page numbers: no layout puts a page past 2^${n} (core/layout.ts)` } : {});
  return [
    { name: 'layout:above-4gib', group: 'layout', doc: 'a frame was mapped or released for RAM above 4 GiB (pfn 2^20 or more), where a PC\'s RAM resumes after the PCI hole' },
    { name: 'layout:pfn>=2^31', group: 'layout', doc: 'a frame was mapped or released for a page whose pfn is 2^31 or more: read as a signed 32-bit number it is negative (QEMU virtio-balloon\'s ldl_p into a ram_addr_t)', ...past(31) },
    { name: 'layout:pfn>=2^32', group: 'layout', doc: 'a frame was mapped or released for a page whose pfn is 2^32 or more: past any 32-bit field (a frame list of 32-bit entries; vmw_balloon\'s non-batched register)', ...past(32) },
    { name: 'layout:in-the-hole', group: 'layout', doc: 'a hostile request to a laid-out guest whose hole sits in the 32-bit PCI window (3 to 4 GiB); every family\'s hostile requests aim at the hole now and then (properties/*/hostile.ts)' },
  ];
}

/** The first gpfn of `g` at or past pfn `p` (layouts only grow), or Infinity. */
function firstAt(g: WorldConfig['guests'][number], p: number): number {
  const span = g.ramPages + g.holePages;
  if (span === 0 || pfnOf(g, span - 1) < p) return Infinity;
  let lo = 0, hi = span - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (pfnOf(g, mid) >= p) hi = mid; else lo = mid + 1; }
  return lo;
}

/** Marks the layout situations of one case; `at` is the catalogue's index (situationIndex). */
export class LayoutCounter {
  private readonly from: { g4: number; g31: number; g32: number; hole: boolean }[];
  private readonly i: number[];

  constructor(config: WorldConfig, private readonly hit: Uint8Array, at: (name: string) => number) {
    this.from = config.guests.map((g) => (g.layout
      ? { g4: firstAt(g, PFN_4GIB), g31: firstAt(g, 2 ** 31), g32: firstAt(g, 2 ** 32), hole: g.holePages > 0 }
      : { g4: Infinity, g31: Infinity, g32: Infinity, hole: false }));
    this.i = ['layout:above-4gib', 'layout:pfn>=2^31', 'layout:pfn>=2^32', 'layout:in-the-hole'].map(at);
  }

  /** True when some guest is laid out: a family may skip the counter otherwise. */
  get any(): boolean { return this.from.some((f) => f.g4 !== Infinity || f.hole); }

  step(ctx: StepContext): void {
    const { hit, i } = this;
    if (ctx.command.kind === 'hostile' && this.from[ctx.command.guest]?.hole) hit[i[3]] = 1;
    for (const e of ctx.result.effects) {
      if (e.kind !== 'frame-mapped' && e.kind !== 'frame-released') continue;
      const f = this.from[e.guest];
      const n = (e as { gpfn: number }).gpfn;
      if (!f || n < f.g4) continue;
      hit[i[0]] = 1;
      if (n >= f.g31) hit[i[1]] = 1;
      if (n >= f.g32) hit[i[2]] = 1;
    }
  }
}
