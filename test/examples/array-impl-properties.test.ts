/** The example implementation passes every property of the testbed, as the reference one does. */
import { describe, expect, it } from 'vitest';
import createArraySystem from '../../examples/array-impl/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';

describe('examples/array-impl under the property campaign', () => {
  it('holds every property', () => {
    const report = runCampaign({ factory: createArraySystem, properties: allProperties, runs: 150, seed: 7, maxCommands: 80 });
    expect(report.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    expect(report.verdicts.every((v) => v.verdict === 'held')).toBe(true);
  });
});
