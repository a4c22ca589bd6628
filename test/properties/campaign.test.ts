import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SystemFactory } from '../../core/index.ts';
import { createReferenceSystem } from '../../impl/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { caseArb } from '../../properties/workload.ts';
import { configProblems } from '../../core/index.ts';

const seed = Number(process.env.FC_SEED ?? 42);

describe('campaign on the reference implementation', () => {
  // Several seeds, not just FC_SEED: a false alarm that shows on a third of the seeds once hid
  // behind the one CI used.
  it.each([seed, seed + 1, seed + 2, seed + 3])('every property holds over the campaign at seed %i', (s) => {
    const r = runCampaign({ factory: createReferenceSystem, properties: allProperties, runs: 3000, seed: s });
    expect(r.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    expect(r.verdicts.every((v) => v.verdict === 'held' && v.steps > 10_000)).toBe(true);
  });

  it('generates only valid configurations and commands for them', () => {
    fc.assert(fc.property(caseArb(), ({ config, commands }) => {
      expect(configProblems(config)).toEqual([]);
      for (const c of commands) expect(c.guest).toBeLessThan(config.guests.length);
    }), { numRuns: 200 });
  });
});

describe('campaign against a crashing implementation', () => {
  it('stops at the crash (no-crash) instead of starting round after round', () => {
    const crashing: SystemFactory = (config) => {
      const sys = createReferenceSystem(config);
      return { config, observe: () => sys.observe(), apply(c) { if (c.kind === 'driver') throw new Error('boom'); return sys.apply(c); } };
    };
    const r = runCampaign({ factory: crashing, properties: allProperties, runs: 200, seed });
    expect(r.counterexamples.map((c) => c.property)).toEqual(['no-crash']);
    expect(r.counterexamples[0].failure.violation.message).toBe('the step threw: Error: boom');
  });
});

describe('campaign against a broken implementation', () => {
  // A driver that writes actual one page too high: the general properties must find it, shrink it,
  // and report the property that first failed. Nothing here tells the campaign what to look for.
  const sloppy: SystemFactory = (config) => {
    const sys = createReferenceSystem(config);
    return {
      config,
      observe: () => sys.observe(),
      apply(c) {
        const r = sys.apply(c);
        if (c.kind === 'driver') {
          // Writes actual one page too high whenever it writes it.
          for (const e of r.effects) if (e.kind === 'actual-written' && e.actual > 0) e.actual += 1;
        }
        return r;
      },
    };
  };

  it('finds, shrinks and names the violated property', () => {
    const r = runCampaign({ factory: sloppy, properties: allProperties, runs: 500, seed, stopAtFirst: true });
    expect(r.counterexamples).toHaveLength(1);
    const cx = r.counterexamples[0];
    expect(cx.property).toBe('counters-match');
    expect(cx.case.commands.length).toBeLessThanOrEqual(6);
    expect(cx.failure.violation.message).toMatch(/wrote actual = \d+, but its balloon holds \d+ acknowledged gpfns/);
  });
});
