/**
 * Profiles end to end (issue 20): the profile reaches the generated configurations, the
 * properties and the trace, and two zoo faults that are Linux bugs but legal under the VIRTIO text
 * (review A3, A7) are caught under `linux` and accepted under `spec`. The default profile changes
 * no random stream.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceSystem, referenceWithFaults } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { campaignArb, runCampaign } from '../../properties/campaign.ts';
import { conformance } from '../../properties/conformance.ts';
import { countersMatch } from '../../properties/safety/counters-match.ts';
import { deflateOnlyWhenAsked } from '../../properties/safety/deflate-only-when-asked.ts';
import { traceFromCounterexample } from '../../traces/build.ts';
import { replayTrace } from '../../traces/replay.ts';
import { parseTrace } from '../../traces/load.ts';
import { withProfile } from '../../core/virtio/index.ts';
import compaction from '../fixtures/legit-drivers/compaction.ts';

const seed = Number(process.env.FC_SEED ?? 1);
const RUNS = 300;

describe('profiles in a campaign', () => {
  it('the default profile leaves the generated cases as they were; spec marks every configuration', () => {
    const plain = fc.sample(campaignArb({ family: 'virtio', factory: createReferenceSystem, properties: [], runs: 1, seed }), { seed, numRuns: 20 });
    const linux = fc.sample(campaignArb({ family: 'virtio', profile: 'linux', factory: createReferenceSystem, properties: [], runs: 1, seed }), { seed, numRuns: 20 });
    const spec = fc.sample(campaignArb({ family: 'virtio', profile: 'spec', factory: createReferenceSystem, properties: [], runs: 1, seed }), { seed, numRuns: 20 });
    expect(linux).toEqual(plain);
    expect(plain.every((c) => !('profile' in c.config))).toBe(true);
    expect(spec.map((c) => c.config.profile)).toEqual(plain.map(() => 'spec'));
    expect(spec.map((c) => c.commands)).toEqual(plain.map((c) => c.commands));
  });

  it('the reference (Linux over QEMU) holds every property under spec and firecracker too', () => {
    for (const profile of ['spec', 'firecracker']) {
      const r = runCampaign({ factory: createReferenceSystem, properties: allProperties, runs: RUNS, seed, profile });
      expect(r.counterexamples.map((c) => `${profile} ${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    }
  });

  it('A7: actual written before the ack (fault actual-before-ack) fails under linux, holds under spec', () => {
    const factory = referenceWithFaults(['actual-before-ack']);
    const properties = [conformance, countersMatch];
    const linux = runCampaign({ factory, properties, runs: RUNS, seed, profile: 'linux', stopAtFirst: true });
    expect(linux.counterexamples.length).toBeGreaterThan(0);
    const spec = runCampaign({ factory, properties, runs: RUNS, seed, profile: 'spec' });
    expect(spec.counterexamples.map((c) => c.failure.violation.message)).toEqual([]);
  });

  it('A3: deflating under ordinary reclaim with DEFLATE_ON_OOM (fault deflate-on-reclaim) fails under linux, holds under spec', () => {
    const factory = referenceWithFaults(['deflate-on-reclaim']);
    const properties = [conformance, deflateOnlyWhenAsked];
    const linux = runCampaign({ factory, properties, runs: RUNS, seed, profile: 'linux', stopAtFirst: true });
    expect(linux.counterexamples.length).toBeGreaterThan(0);
    const spec = runCampaign({ factory, properties, runs: RUNS, seed, profile: 'spec' });
    expect(spec.counterexamples.map((c) => c.failure.violation.message)).toEqual([]);
  });

  it('A1: a driver that migrates balloon pages for compaction (test/fixtures/legit-drivers/compaction.ts) holds every property under spec, and fails conformance under linux', () => {
    const spec = runCampaign({ factory: compaction, properties: allProperties, runs: RUNS, seed, profile: 'spec' });
    expect(spec.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    const linux = runCampaign({ factory: compaction, properties: [conformance], runs: RUNS, seed, profile: 'linux', stopAtFirst: true });
    expect(linux.counterexamples.map((c) => c.failure.violation.message)[0]).toMatch(/the driver moves the balloon only after a config change/);
  });

  it('a trace records a non-default profile, and replay judges by the profile the trace names', () => {
    const factory = referenceWithFaults(['actual-before-ack']);
    const properties = [conformance, countersMatch];
    const r = runCampaign({ factory, properties, runs: RUNS, seed, profile: 'linux', stopAtFirst: true });
    const trace = traceFromCounterexample(r.counterexamples[0], { faults: ['actual-before-ack'] });
    expect('profile' in trace.config).toBe(false);
    expect(replayTrace(trace, { factory, properties }).verdict).toBe('reproduced');
    const asSpec = { ...trace, config: withProfile(trace.config as never, 'spec') };
    const reloaded = parseTrace(JSON.stringify(asSpec), 'spec.json');
    expect(reloaded.config).toMatchObject({ profile: 'spec' });
    expect(replayTrace(reloaded, { factory, properties }).verdict).toBe('not-reproduced');
  });
});
