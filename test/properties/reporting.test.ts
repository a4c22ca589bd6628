/**
 * Free page reporting and page poisoning (VIRTIO 1.2 5.5.6.6, 5.5.6.7; docs/virtio-spec.md
 * statements 57-65): what the spec permits is accepted under every profile, and each zoo fault of
 * the feature is found by the general property list on a short run that reports, serves and
 * reallocates.
 */
import { describe, expect, it } from 'vitest';
import {
  guestConfig, guestId, POISON_VAL, systemConfig, withProfile, type Command, type Effect, type SystemConfig, type VirtioProfile,
} from '../../core/virtio/index.ts';
import { createReferenceSystem, referenceWithFaults, type FaultName } from '../../impl/virtio/index.ts';
import { allProperties, runCase } from '../../properties/index.ts';

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
