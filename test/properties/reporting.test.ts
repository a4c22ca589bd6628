/**
 * Free page reporting and page poisoning (VIRTIO 1.2 5.5.6.6, 5.5.6.7; docs/virtio-spec.md
 * statements 57-65): what the spec permits is accepted under every profile, and each zoo fault of
 * the feature is found by the general property list on a short run that reports, serves and
 * reallocates.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  guestConfig, guestId, hasFreeBlock, PageState, partialBlock, POISON_VAL, reportBlock, systemConfig, wholeBlock, withProfile,
  type Command, type Effect, type GuestConfig, type SystemConfig, type VirtioProfile,
} from '../../core/virtio/index.ts';
import { createReferenceSystem, referenceWithFaults, type FaultName } from '../../impl/virtio/index.ts';
import { allProperties, runCase } from '../../properties/index.ts';
import { fragmentedForReports, orderedReporting } from './fixtures.ts';

const g0 = guestId(0);
const config = (poison: boolean, over: Partial<SystemConfig> = {}): SystemConfig => systemConfig({
  guests: [guestConfig({ ramPages: 16, floorPages: 2, features: { mustTellHost: true, statsVq: false, deflateOnOom: false, pageReporting: true, pagePoison: poison } })],
  hostFrames: 24,
  ...over,
});

/** Use pages, free them, report them, let the device serve the report, take it back, reuse them. */
const cycle: Command[] = [
  { kind: 'alloc', guest: g0, pages: 4, pick: 0 },
  { kind: 'write', guest: g0, pick: 0 },
  { kind: 'write', guest: g0, pick: 1 },
  { kind: 'free', guest: g0, pages: 4, pick: 0 },
  { kind: 'report', guest: g0, pages: 16, pick: 0 },
  { kind: 'device', guest: g0, queue: 'reporting' },
  { kind: 'driver', guest: g0 },
  { kind: 'alloc', guest: g0, pages: 6, pick: 0 },
  { kind: 'read', guest: g0, pick: 0 },
  { kind: 'report', guest: g0, pages: 2, pick: 0 },
  { kind: 'set-target', guest: g0, pages: 4 },
  { kind: 'driver', guest: g0 },
  { kind: 'device', guest: g0, queue: 'inflate' },
  { kind: 'device', guest: g0, queue: 'reporting' },
  { kind: 'driver', guest: g0 },
  { kind: 'driver', guest: g0 },
];

/** Every effect the reference's steps had, by running the commands on it directly. */
function effectsOf(c: SystemConfig, commands: readonly Command[]): Effect[] {
  const sys = createReferenceSystem(c);
  return commands.flatMap((x) => sys.apply(x).effects);
}

const PROFILES: VirtioProfile[] = ['linux', 'spec', 'firecracker'];

describe('free page reporting, as the spec permits it', () => {
  it.each(PROFILES)('without PAGE_POISON the device drops reported pages before the ack, and every property holds (statements 58, 61, 64; profile %s)', (profile) => {
    const c = withProfile(config(false), profile);
    const effects = effectsOf(c, cycle);
    expect(effects.filter((e) => e.kind === 'frame-released').length).toBeGreaterThan(0);
    expect(effects.some((e) => e.kind === 'poison-checked')).toBe(false);
    const r = runCase(createReferenceSystem, c, cycle, allProperties);
    expect(r.failure?.violation.message ?? null).toBeNull();
  });

  it.each(PROFILES)('with PAGE_POISON the device leaves reported pages alone and the guest finds poison_val (statements 57, 59, 65; profile %s)', (profile) => {
    const c = withProfile(config(true), profile);
    const effects = effectsOf(c, cycle);
    const served = cycle.slice(0, 6);
    expect(effectsOf(c, served).filter((e) => e.kind === 'frame-released')).toEqual([]);
    // The first allocation finds pages never poisoned; the second, pages the report poisoned.
    const checks = effects.filter((e) => e.kind === 'poison-checked');
    expect(checks).toHaveLength(2);
    const second = checks[1];
    expect(second.kind === 'poison-checked' && second.values.length === 6 && second.values.every((v) => v === POISON_VAL)).toBe(true);
    const r = runCase(createReferenceSystem, c, cycle, allProperties);
    expect(r.failure?.violation.message ?? null).toBeNull();
  });

  it('a guest page in a report is out of the allocator until the driver consumes the acknowledgement (statement 60)', () => {
    const sys = createReferenceSystem(config(false));
    expect(sys.apply({ kind: 'report', guest: g0, pages: 16, pick: 0 }).outcome).toBe('accepted');
    expect(sys.observe().guests[0].counts.free).toBe(0);
    expect(sys.apply({ kind: 'alloc', guest: g0, pages: 1, pick: 0 })).toMatchObject({ outcome: 'refused', code: 'guest/oom' });
    sys.apply({ kind: 'device', guest: g0, queue: 'reporting' });
    expect(sys.observe().guests[0].counts.free).toBe(0);
    sys.apply({ kind: 'driver', guest: g0 });
    expect(sys.observe().guests[0].counts.free).toBe(16);
  });

  it('a guest without PAGE_REPORTING has no reporting queue', () => {
    const c = systemConfig();
    const sys = createReferenceSystem(c);
    expect(sys.apply({ kind: 'report', guest: g0, pages: 1, pick: 0 })).toMatchObject({ outcome: 'refused', code: 'device/no-reporting-queue' });
    expect(sys.apply({ kind: 'device', guest: g0, queue: 'reporting' })).toMatchObject({ outcome: 'refused', code: 'device/no-reporting-queue' });
    expect(runCase(createReferenceSystem, c, [{ kind: 'report', guest: g0, pages: 1, pick: 0 }, { kind: 'device', guest: g0, queue: 'reporting' }], allProperties).failure).toBeNull();
  });
});

/** Touch every page, inflate 4, let the device take them (it drops their frames), deflate them all, take them back and reuse them. */
const balloonRound: Command[] = [
  { kind: 'alloc', guest: g0, pages: 16, pick: 0 },
  { kind: 'free', guest: g0, pages: 16, pick: 0 },
  { kind: 'set-target', guest: g0, pages: 4 },
  { kind: 'driver', guest: g0 },
  { kind: 'device', guest: g0, queue: 'inflate' },
  { kind: 'driver', guest: g0 },
  { kind: 'set-target', guest: g0, pages: 0 },
  { kind: 'driver', guest: g0 },
  { kind: 'device', guest: g0, queue: 'deflate' },
  { kind: 'driver', guest: g0 },
  { kind: 'alloc', guest: g0, pages: 16, pick: 0 },
];

describe('deflated pages under PAGE_POISON (statement 54)', () => {
  it.each(PROFILES)('the guest finds poison_val in every page the balloon gave back, and every property holds (profile %s)', (profile) => {
    const c = withProfile(config(true, { hostFrames: 40 }), profile);
    const effects = effectsOf(c, balloonRound);
    expect(effects.filter((e) => e.kind === 'frame-released').length).toBeGreaterThan(0);
    const freed = effects.filter((e) => e.kind === 'pages-freed').slice(1).flatMap((e) => e.gpfns);
    expect(freed).toHaveLength(4);
    const checked = effects.filter((e) => e.kind === 'poison-checked').at(-1);
    expect(checked && freed.every((n) => checked.values[checked.gpfns.indexOf(n)] === POISON_VAL)).toBe(true);
    expect(runCase(createReferenceSystem, c, balloonRound, allProperties).failure?.violation.message ?? null).toBeNull();
  });

  it('deflate-unpoisoned: a deflated page reused without poison_val is refused by reported-pages-kept', () => {
    const r = runCase(referenceWithFaults(['deflate-unpoisoned']), config(true, { hostFrames: 40 }), balloonRound, allProperties);
    expect(r.failure?.property).toBe('reported-pages-kept');
    expect(r.failure?.violation.message).toMatch(/gave it back under PAGE_POISON.*5\.5\.6\.6\.1/);
  });

  it('without PAGE_POISON nothing is expected of a deflated page', () => {
    expect(runCase(referenceWithFaults(['deflate-unpoisoned']), config(false, { hostFrames: 40 }), balloonRound, allProperties).failure).toBeNull();
  });
});

describe('the faults of free page reporting, found by the general properties', () => {
  const cases: [FaultName, boolean, string[]][] = [
    ['report-ignores-poison', true, ['host-drops-only-ballooned', 'reported-pages-kept']],
    ['report-discard-after-ack', false, ['host-drops-only-ballooned', 'data-oracle', 'no-double-mapping']],
    ['report-unpoisoned', true, ['reported-pages-kept']],
  ];
  it.each(cases)('%s (PAGE_POISON %s)', (fault, poison, catches) => {
    const r = runCase(referenceWithFaults([fault]), config(poison), cycle, allProperties);
    expect(catches).toContain(r.failure?.property);
  });
});

/** Guest 0 with report order 2 (blocks of 4 guest pages), under `profile` (fixtures.ts orderedReporting). */
const ordered = (profile: VirtioProfile, over: Partial<GuestConfig> = {}): SystemConfig => withProfile(orderedReporting(over), profile);
const fragment = fragmentedForReports;
const queuedReport = (effects: readonly Effect[]) => effects.flatMap((e) => (e.kind === 'buffer-queued' && e.queue === 'reporting' ? [e.gpfns] : []));

describe('reports in large blocks (statement 62: a SHOULD, the linux narrowing)', () => {
  it('the reference driver reports whole aligned blocks of 2^reportOrder guest pages, from the pick on', () => {
    const sys = createReferenceSystem(ordered('linux'));
    for (const c of fragment) expect(sys.apply(c).outcome).toBe('accepted');
    const used = Array.from(sys.observe().guests[0].pageState).flatMap((s, n) => (s === PageState.Used ? [n] : []));
    // Two blocks asked (5 pages, rounded up to whole blocks of 4): pages 1, 2 and 8 are used, so the
    // blocks free whole are 4-7 and 12-15, and both go.
    expect(used).toEqual([1, 2, 8]);
    const r = sys.apply({ kind: 'report', guest: g0, pages: 5, pick: 0 });
    expect(r.outcome).toBe('accepted');
    const [gpfns] = queuedReport(r.effects);
    expect([...gpfns].sort((a, b) => a - b)).toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
    expect(gpfns.some((n) => used.some((u) => Math.floor(u / 4) === Math.floor(n / 4)))).toBe(false);
    expect(partialBlock(ordered('linux').guests[0], 2, gpfns)).toBeNull();
  });

  it('a guest with no aligned block free whole has nothing to report, and every property holds', () => {
    // Pages 0 and 4 used (the free list swaps its last page into a taken slot): neither block of 4 is free whole.
    const c = ordered('linux', { ramPages: 8, floorPages: 0 });
    const cmds: Command[] = [{ kind: 'alloc', guest: g0, pages: 1, pick: 0 }, { kind: 'alloc', guest: g0, pages: 1, pick: 4 }, { kind: 'report', guest: g0, pages: 1, pick: 0 }];
    const sys = createReferenceSystem(c);
    expect(cmds.map((x) => sys.apply(x).outcome)).toEqual(['accepted', 'accepted', 'refused']);
    expect(runCase(createReferenceSystem, c, cmds, allProperties).failure?.violation.message ?? null).toBeNull();
  });

  it.each(PROFILES)('the reference reports in blocks and every property holds (profile %s)', (profile) => {
    const cmds = [...fragment, { kind: 'report', guest: g0, pages: 3, pick: 5 } as Command, { kind: 'device', guest: g0, queue: 'reporting' } as Command, { kind: 'driver', guest: g0 } as Command];
    expect(runCase(createReferenceSystem, ordered(profile), cmds, allProperties).failure?.violation.message ?? null).toBeNull();
  });

  const small = [...fragment, { kind: 'report', guest: g0, pages: 2, pick: 1 } as Command];
  it.each(['linux', 'firecracker'] as const)('report-below-order: single pages are refused by report-blocks (profile %s)', (profile) => {
    const r = runCase(referenceWithFaults(['report-below-order']), ordered(profile), small, allProperties);
    expect(r.failure?.property).toBe('report-blocks');
    expect(r.failure?.violation.message).toMatch(/without the rest of its block.*statement 62/);
  });

  it('under spec a driver that reports single pages is legal (a SHOULD): no alarm', () => {
    expect(runCase(referenceWithFaults(['report-below-order']), ordered('spec'), small, allProperties).failure).toBeNull();
  });

  it('blocks are aligned in the guest\'s physical page numbers (its layout), not its gpfn index', () => {
    const g = { ...guestConfig({ ramPages: 16, reportOrder: 2 }), layout: [{ from: 0, pfn: 0 }, { from: 8, pfn: 10 }] };
    // gpfn 8 sits at pfn 10: its block of pfns 8-11 holds pfns 8 and 9, no page of the guest.
    expect(reportBlock(g, 2, 8)).toBeNull();
    expect(partialBlock(g, 2, [8, 9])).toBe(8);
    // gpfns 10-13 sit at pfns 12-15: one aligned block, though gpfn 10 is no multiple of 4.
    expect(reportBlock(g, 2, 10)).toEqual([10, 11, 12, 13]);
    expect(partialBlock(g, 2, [10, 11, 12, 13])).toBeNull();
    expect(partialBlock(g, 2, [0, 1, 2, 3])).toBeNull();
    expect(partialBlock(g, 2, [4, 5, 6])).toBe(4);
  });

  it('the block checks that build no block agree with reportBlock, on layouts with gaps and every order', () => {
    // wholeBlock, partialBlock (which walks a block once) and hasFreeBlock against their definitions
    // written with reportBlock: a block is whole when it exists and every gpfn of it passes.
    const world = fc.record({
      order: fc.integer({ min: 0, max: 3 }), gpp: fc.constantFrom(1, 2), gap: fc.integer({ min: 0, max: 6 }), split: fc.integer({ min: 1, max: 15 }),
    }).chain(({ order, gpp, gap, split }) => {
      const g = { ...guestConfig({ ramPages: 16 * gpp, guestPageGpfns: gpp as 1 }), layout: [{ from: 0, pfn: 0 }, { from: split * gpp, pfn: (split + gap) * gpp }] };
      return fc.record({ order: fc.constant(order), g: fc.constant(g as GuestConfig), gpfns: fc.uniqueArray(fc.nat({ max: 16 * gpp - 1 }), { maxLength: 16 * gpp }) });
    });
    fc.assert(fc.property(world, ({ order, g, gpfns }) => {
      const sent = new Set(gpfns);
      const whole = (n: number) => reportBlock(g, order, n)?.every((x) => sent.has(x)) ?? false;
      for (let n = 0; n < g.ramPages; n++) expect(wholeBlock(g, order, n, (x) => sent.has(x))).toBe(whole(n));
      expect(partialBlock(g, order, gpfns)).toBe(gpfns.find((n) => !whole(n)) ?? null);
      const state = Uint8Array.from({ length: g.ramPages }, (_, n) => (sent.has(n) ? PageState.Free : PageState.Used));
      const free = Array.from({ length: g.ramPages / g.guestPageGpfns }, (_, p) => p * g.guestPageGpfns).some((n) => sent.has(n) && whole(n));
      expect(hasFreeBlock(g, order, state)).toBe(free);
    }), { numRuns: 300 });
  });
});
