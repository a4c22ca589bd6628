/**
 * The example Xen implementation passes every Xen property, PoD domains included, loaded the way
 * `balloon check --family xen --impl examples/xen-flat/index.ts` loads it (probed as Xen, every
 * answer checked against Xen's shape), in-process to keep the test fast.
 */
import { describe, expect, it } from 'vitest';
import { guardImplementation, loadImplementation } from '../../adapters/index.ts';
import { familyByName } from '../../properties/families.ts';
import { runCampaign } from '../../properties/campaign.ts';

describe('examples/xen-flat under the Xen property campaign', () => {
  it('holds every property', async () => {
    const xen = familyByName('xen');
    const loaded = await loadImplementation('examples/xen-flat/index.ts', process.cwd(), xen);
    const factory = guardImplementation(loaded, { stepTimeoutMs: 0 });
    const report = runCampaign({ family: 'xen', factory, properties: xen.properties, runs: 150, seed: 7, maxCommands: 80 });
    expect(report.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    expect(report.verdicts.map((v) => v.verdict)).toEqual(xen.properties.map(() => 'held'));
  });
});
