/**
 * Situations of real machines' layouts (issue 22; core/layout.ts, properties/layout.ts): frames
 * mapped or released for pages at the page numbers where width bugs live, and hostile requests on
 * a laid-out guest with a hole in the PCI window. A family lists these beside its catalogue and
 * calls the counter's `step` on every step; it reads only the world's frame effects, so any family
 * can count it.
 */
import { pfnOf, PFN_4GIB, PFN_LIMIT_BITS, type WorldConfig } from '../../core/index.ts';
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

/**
 * The width limit of a family's wire as a situation: a frame mapped or released for a page whose
 * pfn sets the top bit the wire can carry for a real machine, 2^(w-1) with w the smaller of the
 * wire's width and the x86-64 limit of 40 bits (core/layout.ts PFN_LIMIT_BITS). A field that loses
 * its top bit, or a check that compares against the wrong width, goes wrong first there. A
 * catalogue lists it beside `layoutSituations` and hands the same `bits` to `LayoutCounter`.
 */
export function wireTopSituation(bits: number): Situation {
  const w = Math.min(bits, PFN_LIMIT_BITS);
  return { name: 'layout:wire-top-bit', group: 'layout', doc: `a frame was mapped or released for a page whose pfn is 2^${w - 1} or more: the top bit of the ${w}-bit page numbers the family's wire carries for an x86-64 guest (core/layout.ts)` };
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
  private readonly from: { g4: number; g31: number; g32: number; top: number; hole: boolean }[];
  private readonly i: number[];

  /**
   * `wireBits`, when given, is the family's wire width of `wireTopSituation`, whose situation the
   * catalogue then lists; without it that situation is not counted.
   */
  constructor(config: WorldConfig, private readonly hit: Uint8Array, at: (name: string) => number, wireBits?: number) {
    const topPfn = wireBits === undefined ? Infinity : 2 ** (Math.min(wireBits, PFN_LIMIT_BITS) - 1);
    this.from = config.guests.map((g) => (g.layout
      ? { g4: firstAt(g, PFN_4GIB), g31: firstAt(g, 2 ** 31), g32: firstAt(g, 2 ** 32), top: firstAt(g, topPfn), hole: g.holePages > 0 }
      : { g4: Infinity, g31: Infinity, g32: Infinity, top: Infinity, hole: false }));
    this.i = ['layout:above-4gib', 'layout:pfn>=2^31', 'layout:pfn>=2^32', 'layout:in-the-hole'].map(at);
    this.i.push(wireBits === undefined ? -1 : at('layout:wire-top-bit'));
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
      if (n >= f.top) hit[i[4]] = 1;
    }
  }
}
