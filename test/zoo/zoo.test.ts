/**
 * The bug zoo: every fault is found by the default property suite, on the default workload and
 * budget, at fixed seeds, and the property that finds it is one its documentation names. The
 * campaign is not told which fault is on: it gets a factory and the general property list.
 */
import { describe, expect, it } from 'vitest';
import { FAULTS, faultNames, referenceWithFaults } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { DEFAULT_RUNS } from '../../properties/defaults.ts';

const SEEDS = [1, 2, 3];
/**
 * The longest counterexample allowed: 12 commands, but for the faults that need an ordered chain
 * of events on one host page (issue 22), where the driver's and the device's turns of each event
 * are commands of their own (an inflate, a deflate, the guest's reuse and a second inflate).
 */
const LONGEST: Partial<Record<string, number>> = { 'pbp-kept-on-deflate': 20 };

describe.each(faultNames)('fault %s', (fault) => {
  it.each(SEEDS)('is found by the general properties at seed %i', (seed) => {
    const r = runCampaign({ factory: referenceWithFaults([fault]), properties: allProperties, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
    expect(r.counterexamples).toHaveLength(1);
    const cx = r.counterexamples[0];
    expect(FAULTS[fault].catches).toContain(cx.property);
    expect(cx.case.commands.length).toBeLessThanOrEqual(LONGEST[fault] ?? 12);
  });
});

it('the zoo has at least 15 faults, each with a reference and properties that exist', () => {
  expect(faultNames.length).toBeGreaterThanOrEqual(15);
  const known = new Set([...allProperties.map((p) => p.name), 'conformance']);
  for (const f of faultNames) {
    expect(FAULTS[f].reference.length).toBeGreaterThan(10);
    for (const p of FAULTS[f].catches) expect(known.has(p), `${f} names unknown property ${p}`).toBe(true);
  }
});
