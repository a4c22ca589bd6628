/**
 * Where `balloon explore` looks for a fault: a family's tiny configuration of `guests` × `pages`,
 * changed by one of its named variants (Family.explorer.variants), and the per-fault table of
 * configurations and depths at which each zoo fault is found (Family.explorer.faultsAt), read by
 * bench/zoo.ts's explore column and by the tests. Kept apart from properties/exhaustive.ts (the
 * search) so the search's internals can change without touching the configurations.
 */
import type { WorldConfig } from '../core/index.ts';
import type { AnyFamily, FaultExploreAt } from './family.ts';
import { explorerOf } from './exhaustive.ts';

/**
 * The tiny configuration of `guests` × `pages` with `variant` applied, and the family as the
 * search sees it (its alphabet followed by the variant's extra commands); a RangeError names the
 * known variants.
 */
export function explorerSetup(family: AnyFamily, guests: number, pages: number, variant?: string): { family: AnyFamily; config: WorldConfig } {
  const ex = explorerOf(family);
  const base = ex.config(guests, pages);
  if (variant === undefined) return { family, config: base };
  const v = ex.variants?.[variant];
  if (!v) throw new RangeError(`unknown ${family.name} variant "${variant}" (known: ${Object.keys(ex.variants ?? {}).join(', ') || 'none'})`);
  const config = v.apply(base);
  if (!v.extra) return { family, config };
  const extra = v.extra.bind(v);
  return { family: { ...family, explorer: { ...ex, alphabet: (c: never) => [...ex.alphabet(c), ...extra(c)] } }, config };
}

/** The tiny configuration alone (see explorerSetup). */
export function explorerConfig(family: AnyFamily, guests: number, pages: number, variant?: string): WorldConfig {
  return explorerSetup(family, guests, pages, variant).config;
}

/** The explorer's entry for `fault`, or a RangeError when the family's table lacks it. */
export function faultExploreAt(family: AnyFamily, fault: string): FaultExploreAt {
  const at = explorerOf(family).faultsAt?.[fault];
  if (!at) throw new RangeError(`${family.name}: fault ${fault} has no entry in its explorer's faultsAt (properties/${family.name}/explorer.ts)`);
  return at;
}

/** The command line that finds a fault at its entry, as a person would type it. */
export function exploreCommandFor(family: AnyFamily, fault: string, at: Extract<FaultExploreAt, { depth: number }>): string {
  return `balloon explore --family ${family.name} --fault ${fault} --guests ${at.guests} --pages ${at.pages}${at.variant ? ` --variant ${at.variant}` : ''} --depth ${at.depth}${at.maxStates ? ` --max-states ${at.maxStates}` : ''}`;
}
