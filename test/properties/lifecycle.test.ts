/**
 * Reset and reload (VIRTIO 1.2 3.1.1, 5.5.6.6.1; model/virtio/lifecycle.ts): the reference brings
 * the device up again in the order the spec asks, every property holds on a reload under every
 * profile, and the damage of review C1 (a reload without poison_val) is seen in the data by the
 * general properties even with the chart and the command contracts left out.
 */
import { describe, expect, it } from 'vitest';
import {
  guestConfig, guestId, POISON_VAL, systemConfig, withProfile, type Command, type SystemConfig, type VirtioProfile,
} from '../../core/virtio/index.ts';
import { createReferenceSystem, referenceWithFaults } from '../../impl/virtio/index.ts';
import { allProperties, runCase } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';

const g0 = guestId(0);
const config = (poison: boolean, statsVq = true): SystemConfig => systemConfig({
  guests: [guestConfig({ ramPages: 16, floorPages: 2, features: { mustTellHost: true, statsVq, deflateOnOom: false, pageReporting: true, pagePoison: poison } })],
  hostFrames: 24,
});

/** Free pages reported, served and taken back after a reset, then allocated again. */
const afterReset: Command[] = [
  { kind: 'alloc', guest: g0, pages: 2, pick: 0 },
  { kind: 'reset', guest: g0 },
  { kind: 'report', guest: g0, pages: 8, pick: 0 },
  { kind: 'device', guest: g0, queue: 'reporting' },
  { kind: 'driver', guest: g0 },
  { kind: 'alloc', guest: g0, pages: 8, pick: 0 },
];

describe('reset and reload', () => {
  it('the reference sets FEATURES_OK, writes poison_val, posts the stats buffer and sets DRIVER_OK, in that order', () => {
    const sys = createReferenceSystem(config(true));
    const kinds = sys.apply({ kind: 'reset', guest: g0 }).effects.map((e) => (e.kind === 'device-status' ? e.status : e.kind));
    expect(kinds).toEqual(['reset', 'actual-written', 'features-ok', 'poison-written', 'buffer-queued', 'driver-ok']);
    const plain = createReferenceSystem(config(false, false)).apply({ kind: 'reset', guest: g0 }).effects.map((e) => (e.kind === 'device-status' ? e.status : e.kind));
    expect(plain).toEqual(['reset', 'actual-written', 'features-ok', 'driver-ok']);
  });

  it.each<VirtioProfile>(['linux', 'spec', 'firecracker'])('every property holds on reports after a reload, with and without PAGE_POISON (profile %s)', (profile) => {
    for (const poison of [true, false]) {
      const r = runCase(createReferenceSystem, withProfile(config(poison), profile), afterReset, allProperties);
      expect(r.failure?.violation.message ?? null).toBeNull();
    }
  });

  it('with the reload skipping poison_val (C1), the poisoned pages come back zeroed', () => {
    const sys = referenceWithFaults(['restore-skips-poison'])(config(true));
    const checked = afterReset.flatMap((c) => sys.apply(c).effects).filter((e) => e.kind === 'poison-checked');
    const values = checked.flatMap((e) => (e.kind === 'poison-checked' ? e.values : []));
    expect(values.length).toBeGreaterThan(0);
    expect(values.some((v) => v !== POISON_VAL)).toBe(true);
  });

  it('C1 is found in the data by the general properties without the chart and the contracts', () => {
    const blind = allProperties.filter((p) => p.name !== 'conformance' && p.name !== 'command-contract');
    const r = runCampaign({ factory: referenceWithFaults(['restore-skips-poison']), properties: blind, runs: 3000, seed: 1, stopAtFirst: true });
    expect(r.counterexamples).toHaveLength(1);
    expect(['reported-pages-kept', 'host-drops-only-ballooned']).toContain(r.counterexamples[0].property);
  });
});
