import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { createReferenceSystem, referenceWithFaults } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign, runCampaignAsync } from '../../properties/campaign.ts';
import { runCase } from '../../properties/runner.ts';
import { caseArb } from '../../properties/workload.ts';
import { configProblems } from '../../core/virtio/index.ts';

const seed = Number(process.env.FC_SEED ?? 42);

describe('campaign on the reference implementation', () => {
  // Several seeds, not just FC_SEED: a false alarm that shows on a third of the seeds once hid
  // behind the one CI used.
  it.each([seed, seed + 1, seed + 2, seed + 3])('every property holds over the campaign at seed %i', (s) => {
    const r = runCampaign({ factory: createReferenceSystem, properties: allProperties, runs: 3000, seed: s });
    expect(r.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    expect(r.verdicts.every((v) => v.verdict === 'held' && v.steps > 10_000)).toBe(true);
  }, 180_000); // 3000 cases: about 15 s alone, past a minute on a loaded machine

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

describe('what a campaign counts and generates', () => {
  it('after a failure, the properties that held report exactly the runs asked; the failed one its runs up to the failure', () => {
    const r = runCampaign({ factory: referenceWithFaults(['unaligned-target']), properties: allProperties, runs: 300, seed: 3 });
    expect(r.counterexamples.length).toBeGreaterThan(0);
    for (const v of r.verdicts) {
      if (v.verdict === 'held') expect(v.runs, v.name).toBe(300);
      else expect(v.runs, v.name).toBeLessThanOrEqual(300);
    }
    expect(r.verdicts.some((v) => v.verdict === 'held')).toBe(true);
  });

  it('checks a property named twice once', () => {
    const [p] = allProperties;
    const r = runCampaign({ factory: createReferenceSystem, properties: [p, p], runs: 20, seed });
    expect(r.verdicts.map((v) => v.name)).toEqual([p.name]);
    expect(r.verdicts[0].runs).toBe(20);
  });

  it('--max-commands beyond 100 gives longer workloads: 1,000 and 100,000 differ', () => {
    const lengths = (maxCommands: number, numRuns: number) => fc.sample(caseArb({ maxCommands }), { seed, numRuns }).map((c) => c.commands.length);
    const [a, b, c] = [lengths(80, 30), lengths(1000, 30), lengths(100_000, 4)];
    expect(Math.max(...a)).toBeLessThanOrEqual(80);
    expect(Math.max(...b)).toBeGreaterThan(100);
    expect(Math.max(...b)).toBeLessThanOrEqual(1000);
    expect(Math.max(...c)).toBeGreaterThan(1000);
  });
});

describe('an interruptible campaign', () => {
  it('runs the same campaign as the synchronous one when nothing stops it', async () => {
    const o = { factory: referenceWithFaults(['unaligned-target']), properties: allProperties, runs: 150, seed: 3 };
    const a = runCampaign(o);
    const b = await runCampaignAsync(o);
    expect(b.interrupted).toBe(false);
    expect(b.counterexamples.map((c) => [c.property, c.path, c.case])).toEqual(a.counterexamples.map((c) => [c.property, c.path, c.case]));
    expect(b.verdicts.map((v) => [v.name, v.verdict, v.runs])).toEqual(a.verdicts.map((v) => [v.name, v.verdict, v.runs]));
  });

  it('stops when aborted: the counterexamples found so far, the others marked interrupted', async () => {
    const ac = new AbortController();
    const found: string[] = [];
    const r = await runCampaignAsync({
      factory: referenceWithFaults(['unaligned-target']), properties: allProperties, runs: 1_000_000, seed: 3, signal: ac.signal,
      onFailure: (cx) => { found.push(cx.property); ac.abort(); },
    });
    expect(r.interrupted).toBe(true);
    expect(r.counterexamples.map((c) => c.property)).toEqual(found);
    expect(found).toHaveLength(1);
    expect(r.verdicts.filter((v) => v.verdict === 'failed').map((v) => v.name)).toEqual(found);
    expect(r.verdicts.filter((v) => v.verdict === 'interrupted')).toHaveLength(allProperties.length - 1);
  });

  it('an abort while shrinking keeps the failing case found so far', async () => {
    const ac = new AbortController();
    let shrinking = 0;
    const r = await runCampaignAsync({
      factory: referenceWithFaults(['unaligned-target']), properties: allProperties, runs: 1000, seed: 3, signal: ac.signal,
      onRun: (_n, phase) => { if (phase === 'shrink' && ++shrinking === 2) ac.abort(); },
    });
    expect(r.interrupted).toBe(true);
    expect(r.counterexamples).toHaveLength(1);
    const [cx] = r.counterexamples;
    // Still a counterexample: it fails its property first under the round's properties.
    const again = runCase(referenceWithFaults(['unaligned-target']), cx.case.config, cx.case.commands, allProperties.filter((p) => cx.properties.includes(p.name)));
    expect(again.failure?.property).toBe(cx.property);
  });
});
