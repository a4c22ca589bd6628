/**
 * Two vacuous systems, built the same way for every family, fail the family's property list with
 * its default workload: one that accepts every command and does nothing (its observation stays
 * the reference's initial one), and one that refuses every command. Also with the statechart and
 * the command contract taken out: the invariants alone must catch a system that does nothing,
 * or they would pass an implementation that never balloons (test/properties/stubs.test.ts has
 * the richer virtio and Xen stubs, each leaving out one part of the work).
 */
import { describe, expect, it } from 'vitest';
import type { AnyCommand, StepResult, SystemUnderTest, WorldConfig } from '../../core/index.ts';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { FAMILIES } from '../../properties/families.ts';
import type { AnyFamily } from '../../properties/family.ts';

const SEEDS = [1, 2, 3];

function vacuous(family: AnyFamily, answer: (c: AnyCommand) => StepResult): SystemFactory {
  return ((config: WorldConfig) => {
    const s = (family.reference as unknown as (c: WorldConfig) => SystemUnderTest)(config);
    const obs = s.observe();
    return { config: s.config, apply: answer, observe: () => obs };
  }) as unknown as SystemFactory;
}

const STUBS: [string, (c: AnyCommand) => StepResult][] = [
  ['accepts every command and does nothing', () => ({ outcome: 'accepted', effects: [] }) as unknown as StepResult],
  ['refuses every command', () => ({ outcome: 'refused', code: 'stub/refused', message: 'refused', effects: [] }) as unknown as StepResult],
];

// What is not an invariant of the implementation: the chart in lockstep and the per-command contracts (hinting's too).
const judgesTheCommand = (name: string) => name === 'conformance' || name.endsWith('contract') || name === 'effects-agree' || name === 'purpose';

describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s', (_name, family) => {
  const invariants = family.properties.filter((p) => !judgesTheCommand(p.name));
  it.each(STUBS)('a system that %s fails its properties, and its invariants alone', (_what, answer) => {
    const factory = vacuous(family, answer);
    expect(invariants.length).toBeLessThan(family.properties.length);
    for (const seed of SEEDS) {
      for (const properties of [family.properties, invariants]) {
        const r = runCampaign({ family: family.name, factory, properties, runs: 300, seed, stopAtFirst: true });
        expect(r.counterexamples, `seed ${seed}, ${properties.length} properties`).toHaveLength(1);
        expect(properties.map((p) => p.name), `seed ${seed}`).toContain(r.counterexamples[0].property);
      }
    }
  });
});
