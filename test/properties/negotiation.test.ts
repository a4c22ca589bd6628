/**
 * Feature negotiation end to end (core/virtio/negotiation.ts): a reset's reload offers what the
 * command leaves of the configuration's features, the reference accepts what Linux keeps, its
 * observation and queues follow the negotiated set, every property holds under every profile;
 * and the damage of a poisoning guest taking PAGE_REPORTING without PAGE_POISON (statements 3 and
 * 58) is seen in the data by reported-pages-kept even with the chart and the contracts left out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guestConfig, guestId, systemConfig, withProfile, type Command, type SystemConfig, type SystemFactory, type VirtioProfile } from '../../core/virtio/index.ts';
import { createReferenceSystem, referenceWithFaults } from '../../impl/virtio/index.ts';
import { allProperties, runCase } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { negotiationArb } from '../../properties/workload.ts';

const g0 = guestId(0);
const config = (): SystemConfig => systemConfig({
  guests: [guestConfig({ ramPages: 16, floorPages: 2, features: { mustTellHost: true, statsVq: true, deflateOnOom: true, pageReporting: true, pagePoison: true } })],
  hostFrames: 24,
});

/** A reload without PAGE_POISON offered, then free pages reported, served, taken back and allocated again. */
const withheld: Command[] = [
  { kind: 'alloc', guest: g0, pages: 2, pick: 0 },
  { kind: 'reset', guest: g0, withhold: ['pagePoison'] },
  { kind: 'report', guest: g0, pages: 8, pick: 0 },
  { kind: 'device', guest: g0, queue: 'reporting' },
  { kind: 'driver', guest: g0 },
  { kind: 'alloc', guest: g0, pages: 8, pick: 0 },
];

describe('feature negotiation at a reload', () => {
  it('the reference accepts what Linux keeps of the offer, and its observation shows the negotiated set', () => {
    const sys = createReferenceSystem(config());
    const fx = sys.apply({ kind: 'reset', guest: g0, withhold: ['pagePoison', 'statsVq'] }).effects;
    const ok = fx.find((e) => e.kind === 'device-status' && e.status === 'features-ok');
    expect(ok).toMatchObject({ offered: { pagePoison: false, statsVq: false, pageReporting: true }, accepted: { pagePoison: false, statsVq: false, pageReporting: false, mustTellHost: true } });
    // No poison_val and no stats buffer: neither was negotiated.
    expect(fx.map((e) => (e.kind === 'device-status' ? e.status : e.kind))).toEqual(['reset', 'actual-written', 'features-ok', 'driver-ok']);
    expect(sys.observe().guests[0].features).toMatchObject({ pagePoison: false, statsVq: false, pageReporting: false });
    expect(sys.apply({ kind: 'report', guest: g0, pages: 1, pick: 0 })).toMatchObject({ outcome: 'refused', code: 'device/no-reporting-queue' });
    // The next plain reload negotiates the whole offer again.
    sys.apply({ kind: 'reset', guest: g0 });
    expect(sys.observe().guests[0].features).toEqual(config().guests[0].features);
  });

  it('a refused FEATURES_OK is followed by a second attempt, then DRIVER_OK', () => {
    const fx = createReferenceSystem(config()).apply({ kind: 'reset', guest: g0, refuse: true }).effects;
    expect(fx.map((e) => (e.kind === 'device-status' ? e.status : e.kind))).toEqual(
      ['reset', 'actual-written', 'features-ok', 'features-refused', 'features-ok', 'poison-written', 'buffer-queued', 'driver-ok']);
  });

  it.each<VirtioProfile>(['linux', 'spec', 'firecracker'])('every property holds on reports after a reload that withholds PAGE_POISON or refuses (profile %s)', (profile) => {
    const refused = withheld.map((c) => (c.kind === 'reset' ? { kind: 'reset', guest: g0, refuse: true } as Command : c));
    for (const commands of [withheld, refused]) {
      const r = runCase(createReferenceSystem, withProfile(config(), profile), commands, allProperties);
      expect(r.failure?.violation.message ?? null).toBeNull();
    }
  });

  it('a negotiation drawn at the resets shrinks to plain resets when nothing needs it (fast-check alone)', () => {
    const c = { config: config(), commands: [{ kind: 'reset', guest: g0 }, { kind: 'driver', guest: g0 }, { kind: 'reset', guest: g0 }] as Command[] };
    let negotiated = 0;
    for (let seed = 1; seed <= 30; seed++) {
      // A property every case fails: fast-check shrinks as far as its shrink tree goes.
      const r = fc.check(fc.property(negotiationArb(c), (x) => { negotiated += Number(x.commands.some((y) => y.kind === 'reset' && (y.refuse || y.withhold))); return false; }), { seed });
      expect(r.counterexample?.[0].commands).toEqual(c.commands);
    }
    // ... and the seeds did draw negotiating resets (withheld features, refusals) to shrink away.
    expect(negotiated).toBeGreaterThan(10);
  });

  it('a failure at any reset shrinks to one plain reset, never a negotiating one (issue 21)', () => {
    // An implementation that throws at every reset: the failure needs a reset, not its negotiation.
    const throwsAtReset: SystemFactory = (cfg) => {
      const sys = createReferenceSystem(cfg);
      return { config: cfg, apply: (x) => { if (x.kind === 'reset') throw new Error('reset'); return sys.apply(x); }, observe: () => sys.observe() };
    };
    // Seeds whose shrunk case kept `reset g0 withhold=mustTellHost refuse` (1) or `reset g0 refuse`
    // (4, 19) when oneof shrank only within the branch that drew it.
    for (const seed of [1, 4, 19]) {
      const cx = runCampaign({ factory: throwsAtReset, properties: allProperties, runs: 200, seed, stopAtFirst: true }).counterexamples[0];
      expect(cx.case.commands).toEqual([{ kind: 'reset', guest: g0 }]);
    }
  });

  it('report-without-poison is found in the data by reported-pages-kept, without the chart and the contracts (statements 3, 58)', () => {
    const blind = allProperties.filter((p) => p.name !== 'conformance' && p.name !== 'command-contract');
    const r = runCase(referenceWithFaults(['report-without-poison']), config(), withheld, blind);
    expect(r.failure?.property).toBe('reported-pages-kept');
    expect(r.failure?.violation.message).toMatch(/without PAGE_POISON negotiated/);
    // The chart refuses the negotiation itself.
    const c = runCase(referenceWithFaults(['report-without-poison']), config(), withheld, allProperties);
    expect(c.failure?.violation.message).toMatch(/accepts PAGE_REPORTING only with PAGE_POISON/);
  });
});
