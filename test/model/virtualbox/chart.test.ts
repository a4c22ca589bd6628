import { loadMermaid, type Mermaid } from '../../helpers/mermaid.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { readFileSync } from 'node:fs';
import { toMermaid, updateDocBlocks } from '../../../model/mermaid.ts';
import { chartInventory } from '../../../model/inventory.ts';
import { vboxCharts, vboxGuestMachine, vboxHostMachine } from '../../../model/virtualbox/index.ts';
import { DEFAULT_COVERAGE_RUNS, DEFAULT_COVERAGE_SEED, runCoverage, untaken } from '../../../properties/coverage.ts';
import { exploreVbox, tinyVboxConfig, vboxCheckConfig } from '../../../properties/virtualbox/index.ts';

let mermaid: Mermaid;

beforeAll(async () => { mermaid = await loadMermaid(); }, 60_000);

describe('the VirtualBox charts', () => {
  it('draw as valid Mermaid, generated from the machines', async () => {
    for (const [name, m] of Object.entries(vboxCharts)) {
      const text = toMermaid(m);
      expect(text.startsWith('stateDiagram-v2'), name).toBe(true);
      await expect(mermaid.parse(text)).resolves.toBeTruthy();
    }
  });

  it('docs/families/virtualbox.md shows the current charts', () => {
    const doc = readFileSync('docs/families/virtualbox.md', 'utf8');
    expect(doc).toContain('<!-- chart:virtualbox-guest:begin');
    expect(doc, 'docs/families/virtualbox.md is stale: run `npx tsx cli/main.ts chart --family virtualbox --format mermaid --update docs/families/virtualbox.md`').toBe(updateDocBlocks(doc, vboxCharts));
  });

  it('the default seeded campaign (balloon coverage --family virtualbox) takes every state and transition (100%)', () => {
    const { charts } = runCoverage({ family: 'virtualbox', seed: DEFAULT_COVERAGE_SEED, runs: DEFAULT_COVERAGE_RUNS });
    expect(charts.map((c) => c.chart)).toEqual(['virtualbox-guest', 'virtualbox-host']);
    for (const c of charts) expect(untaken(c), c.chart).toEqual({ states: [], transitions: [] });
  }, 120_000);

  it('inventory sizes are pinned', () => {
    const sizes = Object.fromEntries(Object.entries(vboxCharts).map(([name, m]) => { const inv = chartInventory(m); return [name, [inv.states.length, inv.transitions.length]]; }));
    expect(sizes).toEqual({ 'virtualbox-guest': [7, 23], 'virtualbox-host': [5, 11] });
  });

  it('the tiny system\'s state space is pinned (exhaustive, saturated)', () => {
    const deep = exploreVbox(tinyVboxConfig(), 14);
    expect(deep).toEqual({ states: 261, edges: 1306 });
    // Four commands deeper reaches nothing new: the traversal expanded the whole reachable graph.
    expect(exploreVbox(tinyVboxConfig(), 18)).toEqual(deep);
  }, 60_000);

  it('the guest chart counts a queued inflate only once the EMT applied it, naming the rule', () => {
    const cfg = vboxCheckConfig();
    const a = createActor(vboxGuestMachine, { input: { system: cfg, guest: { ...cfg.guests[0], cpus: 2 } } });
    a.start();
    a.send({ type: 'FETCH', wanted: 2, accepted: true });
    a.send({ type: 'CHANGE', inflate: true, pages: 8, aligned: true, rc: 'VINF_SUCCESS', queued: true, applied: false });
    expect(a.getSnapshot().value).toEqual({ open: 'waiting' });
    const early = { type: 'SIZE', actual: 8 } as const;
    expect(vboxGuestMachine.getTransitionData(a.getSnapshot() as never, early)).toHaveLength(0);
    a.send({ type: 'APPLIED', inflate: true, pages: 8 });
    expect(a.getSnapshot().context.chunks).toBe(1);
    expect(vboxGuestMachine.getTransitionData(a.getSnapshot() as never, early)).toHaveLength(1);
  });

  it('the guest chart refuses a wanted size at the maximum left untaken, and a chunk of the wrong size', () => {
    const cfg = vboxCheckConfig();
    const a = createActor(vboxGuestMachine, { input: { system: cfg, guest: cfg.guests[0] } });
    a.start();
    expect(vboxGuestMachine.getTransitionData(a.getSnapshot() as never, { type: 'FETCH', wanted: 7, accepted: false })).toHaveLength(0);
    a.send({ type: 'FETCH', wanted: 7, accepted: true });
    expect(vboxGuestMachine.getTransitionData(a.getSnapshot() as never, { type: 'CHANGE', inflate: true, pages: 7, aligned: true, rc: 'VINF_SUCCESS', queued: false, applied: true })).toHaveLength(0);
  });

  it('the host chart queues on several CPUs and does the change inline on one', () => {
    const cfg = vboxCheckConfig();
    const one = createActor(vboxHostMachine, { input: { system: cfg, guest: cfg.guests[0] } });
    const two = createActor(vboxHostMachine, { input: { system: cfg, guest: cfg.guests[1] } });
    one.start(); two.start();
    const change = { type: 'CHANGE', inflate: true, pages: 8, aligned: true, rc: 'VINF_SUCCESS', queued: true, applied: false } as const;
    expect(vboxHostMachine.getTransitionData(one.getSnapshot() as never, change)).toHaveLength(0);
    two.send(change);
    expect(two.getSnapshot().value).toEqual({ async: 'queued' });
    two.send({ type: 'APPLIED', inflate: true, pages: 8 });
    expect(two.getSnapshot().context.ballooned).toBe(8);
  });
});
