/**
 * No path to "held" but a clean run (issue #13): a monitor, an audit or the tool's own step
 * handling that throws (any value) fails the case at its step; it is never counted as held.
 */
import { describe, expect, it } from 'vitest';
import { guestId, systemConfig, type Command } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import type { Property } from '../../properties/property.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { runCase } from '../../properties/runner.ts';

const throwing = (where: 'step' | 'audit' | 'end'): Property => ({
  name: `throws-in-${where}`, kind: 'always', doc: 'a property whose check throws an unprintable value', refs: 'test only',
  monitor: () => ({ [where]: () => { throw Object.create(null); } }),
});
const quiet: Property = { name: 'quiet', kind: 'always', doc: 'checks nothing', refs: 'test only', monitor: () => ({}) };
const g0 = guestId(0);
const workload: Command[] = [{ kind: 'set-target', guest: g0, pages: 8 }, { kind: 'driver', guest: g0 }];

describe('a check that throws', () => {
  it.each(['step', 'audit', 'end'] as const)('in %s fails its property, with the step', (where) => {
    const r = runCase(createReferenceSystem, systemConfig(), workload, [throwing(where)], { auditEvery: 1 });
    expect(r.failure).toMatchObject({ property: `throws-in-${where}`, step: where === 'end' ? -1 : 0 });
    expect(r.failure!.violation.message).toMatch(/threw: a thrown object with no prototype$/);
  });

  it('makes the campaign fail (exit 1), not hold', () => {
    const report = runCampaign({ factory: createReferenceSystem, properties: [throwing('step')], runs: 5, seed: 1, maxCommands: 5 });
    expect(report.verdicts).toMatchObject([{ name: 'throws-in-step', verdict: 'failed' }]);
    expect(report.counterexamples).toHaveLength(1);
  });

  it('in the progress callback is a no-crash failure, not a pass', () => {
    const report = runCampaign({
      factory: createReferenceSystem, properties: [quiet], runs: 5, seed: 1, maxCommands: 5,
      onRun: () => { throw Symbol('progress'); },
    });
    expect(report.counterexamples.map((c) => [c.property, c.failure.violation.message])).toEqual([['no-crash', 'the checker threw: a thrown symbol Symbol(progress)']]);
  });
});
