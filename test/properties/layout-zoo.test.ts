/**
 * The width faults of layouts (issue 22): each is found by its family's general properties, on the
 * default workload and budget, at seeds 1 to 20, as bench/zoo.ts runs every fault. The campaign is
 * not told which fault is on; only laid-out guests (properties/layout.ts) have page numbers wide
 * enough to show it.
 */
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../properties/families.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { DEFAULT_RUNS } from '../../properties/defaults.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const WIDTH_FAULTS = [['virtio', 'pfn-sign-extended'], ['xen', 'gfn-truncated'], ['vmware', 'ppn-truncated']] as const;

describe.each(WIDTH_FAULTS)('%s fault %s', (name, fault) => {
  const family = FAMILIES.find((f) => f.name === name)!;
  const info = family.faults.find((f) => f.name === fault)!;

  it('is found by a property it names at seeds 1-20', () => {
    for (const seed of SEEDS) {
      const r = runCampaign({ family: name, factory: family.withFaults([fault]) as never, properties: family.properties as never, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
      expect(r.counterexamples, `seed ${seed}`).toHaveLength(1);
      expect(info.catches, `seed ${seed}`).toContain(r.counterexamples[0].property);
    }
  }, 300_000);

});
