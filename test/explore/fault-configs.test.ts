/**
 * Where `balloon explore` finds each zoo fault (Family.explorer.faultsAt, properties/explore-at.ts):
 * every fault of every family has an entry, every entry names a known variant, and for a sample of
 * faults per family the search finds the fault at exactly the entry's depth and not one command
 * shorter, with a trace that `balloon replay` reproduces. The implementation's reachable space of
 * every variant is pinned (distinct states and edges at depth 3), and of two guests of every family
 * (depth 2), beside the default sizes pinned in explore.test.ts, so a change to the
 * implementation's reachable space shows as a number.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';
import { FAMILIES, familyByName } from '../../properties/families.ts';
import { exploreImplementation } from '../../properties/exhaustive.ts';
import { exploreCommandFor, explorerSetup, faultExploreAt } from '../../properties/explore-at.ts';

const io = captureCli();
const dir = mkdtempSync(join(tmpdir(), 'balloon-fault-configs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('every zoo fault has a place to be found, or a reason', () => {
  it.each(FAMILIES.map((f) => [f.name]))('%s: an entry per fault, known variants, reasons said', (name) => {
    const family = familyByName(name);
    const ex = family.explorer!;
    expect(Object.keys(ex.faultsAt ?? {}).sort()).toEqual(family.faults.map((f) => f.name).sort());
    for (const f of family.faults) {
      const at = faultExploreAt(family, f.name);
      if ('notFound' in at) { expect(at.notFound.length).toBeGreaterThan(40); continue; }
      if (at.variant) expect(Object.keys(ex.variants ?? {})).toContain(at.variant);
      expect(family.configProblems(explorerSetup(family, at.guests, at.pages, at.variant).config)).toEqual([]);
    }
  });
  it('an unknown fault is named with where its table lives', () => {
    expect(() => faultExploreAt(familyByName('xen'), 'gremlins')).toThrow(/xen: fault gremlins has no entry .*properties\/xen\/explorer\.ts/);
  });
});

// A sample per family: each found at its entry's depth, not shorter (the entry's depth is the BFS minimum).
const SAMPLE: [string, string][] = [
  ['virtio', 'partial-host-page-discard'], ['virtio', 'unaligned-target'], ['virtio', 'discard-not-propagated'],
  ['virtio', 'report-ignores-poison'], ['virtio', 'pfn-sign-extended'], ['virtio', 'deflate-unpoisoned'],
  ['xen', 'stale-pv-p2m'], ['xen', 'preempt-no-progress'], ['xen', 'gfn-truncated'],
  // The chains of issue 22; failed-lend-counted is reached through the balloon's hidden count (XenReferenceSystem.hiddenKey).
  ['xen', 'cancel-forgets-lent'], ['xen', 'failed-lend-counted'],
  ['vmware', 'refused-leak'], ['vmware', 'ppn-truncated'], ['vmware', 'large-without-batching'],
  ['hyperv', 'online-gaps'], ['hyperv', 'balloon-large-pages'],
  ['virtualbox', 'max-compare'], ['virtualbox', 'free-before-deflate'],
];

describe('found at the entry\'s configuration and depth, not shorter', () => {
  it.each(SAMPLE)('%s %s', (name, fault) => {
    const family = familyByName(name);
    const at = faultExploreAt(family, fault);
    if ('notFound' in at) throw new Error('sampled fault has no configuration');
    const { family: fam, config } = explorerSetup(family, at.guests, at.pages, at.variant);
    const factory = family.withFaults([fault]) as never;
    const r = exploreImplementation(fam, factory, config, { depth: at.depth, maxStates: 20_000 });
    expect(r.failure).not.toBeNull();
    expect(r.failure!.commands).toHaveLength(at.depth);
    expect(r.failure!.replays).toBe(true);
    if (at.depth > 0) {
      const shorter = exploreImplementation(fam, factory, config, { depth: at.depth - 1, maxStates: 20_000 });
      expect(shorter.failure).toBeNull();
      expect(shorter.stoppedBy).not.toBe('state-limit');
    }
  });
});

describe('balloon explore --variant', () => {
  it.each([
    ['vmware', 'refused-leak'], ['xen', 'stale-pv-p2m'], ['virtio', 'partial-host-page-discard'],
    // The faults the explorer reaches through the variants of free page reporting, layouts and host pages of 4 gpfns.
    ['virtio', 'report-ignores-poison'], ['virtio', 'report-discard-after-ack'], ['virtio', 'report-unpoisoned'],
    ['virtio', 'pfn-sign-extended'], ['virtio', 'pbp-kept-on-deflate'], ['xen', 'gfn-truncated'],
    // The two the explorer reaches through the system's hidden state (SystemUnderTest.hiddenKey).
    ['virtio', 'oom-deadlock'], ['vmware', 'doorbell-unchecked'],
  ])('%s %s: the command of its entry exits 1 and the trace replays', async (name, fault) => {
    const family = familyByName(name);
    const at = faultExploreAt(family, fault);
    if ('notFound' in at) throw new Error('sampled fault has no configuration');
    const argv = exploreCommandFor(family, fault, at).split(' ').slice(1);
    expect(await main([...argv, '--json', '--out', dir])).toBe(1);
    const r = JSON.parse(io.out);
    expect(r.failure).toMatchObject({ length: at.depth, replays: true });
    io.out = '';
    expect(await main(['replay', r.failure.trace, '--json'])).toBe(1);
    expect(JSON.parse(io.out).traces[0]).toMatchObject({ verdict: 'reproduced', asExpected: true, failure: { property: r.failure.property } });
  });
  // Issue 21's size, two guests of 8 pages up to depth 12: a shallow fault of every family is found
  // at its entry's depth (the BFS minimum does not depend on the size here) and the trace replays.
  it.each([
    ['virtio', 'no-range-check'], ['xen', 'misaligned-extent'], ['vmware', 'ppn-truncated'], ['hyperv', 'over-balloon-2m'], ['virtualbox', 'partial-inflate-counted'],
  ])('%s %s: --guests 2 --pages 8 --depth 12 exits 1 with the shortest case, which replays', async (name, fault) => {
    const family = familyByName(name);
    const at = faultExploreAt(family, fault);
    if ('notFound' in at) throw new Error('sampled fault has no configuration');
    const variant = at.variant ? ['--variant', at.variant] : [];
    expect(await main(['explore', '--family', name, '--fault', fault, '--guests', '2', '--pages', '8', ...variant, '--depth', '12', '--json', '--out', dir])).toBe(1);
    const r = JSON.parse(io.out);
    expect(r.failure).toMatchObject({ length: at.depth, replays: true });
    io.out = '';
    expect(await main(['replay', r.failure.trace, '--json'])).toBe(1);
    expect(JSON.parse(io.out).traces[0]).toMatchObject({ verdict: 'reproduced', asExpected: true });
  });
  it('an unknown variant exits 2 with one line naming the known ones', async () => {
    expect(await main(['explore', '--family', 'xen', '--variant', 'hvm2'])).toBe(2);
    expect(io.err).toMatch(/^balloon: --variant: unknown xen variant "hvm2" \(known: pv, at-2\^32, preempt\)\n$/);
  });
});

// Distinct states and edges of the reference at depth 3 in every variant, at the default size
// (virtio's host-page-16 at 16 pages: one host page of 16 gpfns needs 16 guest pages).
const PINNED_VARIANTS: Record<string, Record<string, { pages?: number; states: number; edges: number }>> = {
  virtio: {
    'deflate-on-oom': { states: 33, edges: 266 },
    'host-page-16': { pages: 16, states: 33, edges: 266 },
    'page-64k': { states: 44, edges: 360 },
    reporting: { states: 66, edges: 420 },
    // With PAGE_POISON the free pages that still owe poison_val (a deflate's reuse, statement 54) are in the hidden key.
    'reporting-poison': { states: 69, edges: 420 },
    'reporting-order': { states: 52, edges: 380 },
    'straddle-2^31': { states: 33, edges: 266 },
    'host-page-4': { states: 33, edges: 266 },
    // Resets that withhold each offered feature or see FEATURES_OK refused (core/virtio/negotiation.ts).
    negotiation: { states: 167, edges: 1150 },
    hinting: { states: 123, edges: 928 },
  },
  xen: { pv: { states: 56, edges: 360 }, preempt: { states: 56, edges: 380 }, 'at-2^32': { states: 56, edges: 360 } },
  vmware: {
    'no-batching': { states: 64, edges: 375 }, 'high-ppn': { states: 65, edges: 375 },
    refusals: { states: 98, edges: 528 },
    // With the host's hidden countdown in the key (VmwReferenceSystem.hiddenKey): `busy after 1` is no longer merged with `busy after 0` (63 states, 400 edges before).
    'busy-after-start': { states: 91, edges: 512 },
  },
  hyperv: { 'page-64k': { states: 36, edges: 340 }, 'hot-add-gap': { states: 36, edges: 357 } },
};

// Two guests of each family's default pages, depth 2: the space the guests' interleavings add.
const PINNED_TWO_GUESTS: Record<string, { states: number; edges: number; perDepth: number[] }> = {
  virtio: { states: 44, edges: 342, perDepth: [1, 8, 35] },
  xen: { states: 53, edges: 360, perDepth: [1, 9, 43] },
  vmware: { states: 86, edges: 390, perDepth: [1, 12, 73] },
  hyperv: { states: 58, edges: 440, perDepth: [1, 10, 47] },
  virtualbox: { states: 61, edges: 308, perDepth: [1, 10, 50] },
};

describe('pinned implementation counts of every variant', () => {
  it('every variant of every family is pinned', () => {
    expect(Object.fromEntries(FAMILIES.map((f) => [f.name, Object.keys(f.explorer!.variants ?? {}).sort()])))
      .toEqual(Object.fromEntries(FAMILIES.map((f) => [f.name, Object.keys(PINNED_VARIANTS[f.name] ?? {}).sort()])));
  });
  it.each(Object.entries(PINNED_VARIANTS).flatMap(([f, vs]) => Object.entries(vs).map(([v, p]) => [f, v, p] as const)))('%s %s', (name, variant, pinned) => {
    const family = familyByName(name);
    const ex = family.explorer!;
    const { family: fam, config } = explorerSetup(family, ex.defaults.guests, pinned.pages ?? ex.defaults.pages, variant);
    const r = exploreImplementation(fam, family.reference as never, config, { depth: 3, maxStates: 100_000 });
    expect(r.failure).toBeNull();
    expect({ states: r.states, edges: r.edges }).toEqual({ states: pinned.states, edges: pinned.edges });
  });
  it.each(Object.entries(PINNED_TWO_GUESTS))('%s: two guests, depth 2', (name, pinned) => {
    const family = familyByName(name);
    const ex = family.explorer!;
    const r = exploreImplementation(family, family.reference as never, ex.config(2, ex.defaults.pages), { depth: 2, maxStates: 100_000 });
    expect(r.failure).toBeNull();
    expect({ states: r.states, edges: r.edges, perDepth: r.perDepth }).toEqual(pinned);
  });
});
