import { describe, expect, it } from 'vitest';
import { DEFAULT_COVERAGE_RUNS, DEFAULT_COVERAGE_SEED, formatCoverage, runCoverage, untaken } from '../../properties/coverage.ts';
import { chartInventory } from '../../model/inventory.ts';
import { virtio } from '../../properties/virtio/family.ts';

describe('chart coverage', () => {
  it(`the default campaign (${DEFAULT_COVERAGE_RUNS} runs, seed ${DEFAULT_COVERAGE_SEED}) takes every state and transition of every chart`, () => {
    const r = runCoverage({ runs: DEFAULT_COVERAGE_RUNS, seed: DEFAULT_COVERAGE_SEED });
    expect(r.campaign.counterexamples).toEqual([]);
    expect(r.charts.map((c) => c.chart)).toEqual(Object.keys(virtio.charts));
    for (const c of r.charts) expect({ chart: c.chart, ...untaken(c) }).toEqual({ chart: c.chart, states: [], transitions: [] });
    expect(formatCoverage(r.charts)).toMatch(/never taken: none/);
  }, 240_000); // 2000 cases with live chart actors: under a minute alone, more on a loaded machine

  it('lists what a short campaign never takes', () => {
    const r = runCoverage({ runs: 1, seed: DEFAULT_COVERAGE_SEED, maxCommands: 1 });
    const u = untaken(r.charts[0]);
    expect(u.transitions.length).toBeGreaterThan(0);
    expect(formatCoverage(r.charts)).toMatch(/never taken:\n {4}(state|transition) /);
  });

  it('the inventory reads every transition off the machine definition', () => {
    const inv = chartInventory(virtio.charts['virtio-guest']);
    expect(inv.transitions.map((t) => t.label)).toContain('driver.updatingActual --ACTUAL_WRITTEN [actualMatchesBalloon]--> driver.idle');
    expect(new Set(inv.transitions.map((t) => t.label)).size).toBe(inv.transitions.length);
  });
});
