import { loadMermaid, type Mermaid } from '../../helpers/mermaid.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { readFileSync } from 'node:fs';
import { toMermaid, updateDocBlocks } from '../../../model/mermaid.ts';
import { chartInventory } from '../../../model/inventory.ts';
import { vmwCharts, vmwDriverMachine, vmwHostMachine } from '../../../model/vmware/index.ts';
import { DEFAULT_COVERAGE_RUNS, DEFAULT_COVERAGE_SEED, runCoverage, untaken } from '../../../properties/coverage.ts';
import { exploreVmw, tinyVmwConfig, vmwCheckConfig } from '../../../properties/vmware/index.ts';

let mermaid: Mermaid;

beforeAll(async () => { mermaid = await loadMermaid(); }, 60_000);

describe('the VMware charts', () => {
  it('draw as valid Mermaid, generated from the machines', async () => {
    for (const [name, m] of Object.entries(vmwCharts)) {
      const text = toMermaid(m);
      expect(text.startsWith('stateDiagram-v2'), name).toBe(true);
      await expect(mermaid.parse(text)).resolves.toBeTruthy();
    }
  });

  it('docs/families/vmware.md shows the current charts', () => {
    const doc = readFileSync('docs/families/vmware.md', 'utf8');
    expect(doc).toContain('<!-- chart:vmware-driver:begin');
    expect(doc, 'docs/families/vmware.md is stale: run `npx tsx cli/main.ts chart --family vmware --format mermaid --update docs/families/vmware.md`').toBe(updateDocBlocks(doc, vmwCharts));
  });

  it('the default seeded campaign (balloon coverage --family vmware) takes every state and transition (100%)', () => {
    const { charts } = runCoverage({ family: 'vmware', seed: DEFAULT_COVERAGE_SEED, runs: DEFAULT_COVERAGE_RUNS });
    expect(charts.map((c) => c.chart)).toEqual(['vmware-driver', 'vmware-host']);
    for (const c of charts) expect(untaken(c), c.chart).toEqual({ states: [], transitions: [] });
  }, 120_000);

  it('inventory sizes are pinned', () => {
    const sizes = Object.fromEntries(Object.entries(vmwCharts).map(([name, m]) => { const inv = chartInventory(m); return [name, [inv.states.length, inv.transitions.length]]; }));
    expect(sizes).toEqual(PINNED_INVENTORY);
  });

  it('the tiny system\'s state space is pinned (exhaustive, saturated)', () => {
    const deep = exploreVmw(tinyVmwConfig(), 20);
    expect(deep).toEqual({ states: 912, edges: 5511 });
    // Four commands deeper reaches nothing new: the traversal expanded the whole reachable graph.
    expect(exploreVmw(tinyVmwConfig(), 24)).toEqual(deep);
  }, 60_000);

  it('refuses a START while pages are still in the balloon, naming the rule', () => {
    const cfg = vmwCheckConfig();
    const a = createActor(vmwDriverMachine, { input: { system: cfg, guest: cfg.guests[0] } });
    a.start();
    a.send({ type: 'START', ok: true, caps: { batched: true, large: true, doorbell: false, target64: false } });
    expect(String(JSON.stringify(a.getSnapshot().value))).toContain('large');
    a.send({ type: 'PAGES', origin: 'driver', lock: true, batched: true, large: true, entries: 1, done: 1, pageGpfns: 4, over32: false });
    a.send({ type: 'REPLY_RESET', cmd: 'get-target' });
    const s = a.getSnapshot();
    const start = { type: 'START', ok: true, caps: null } as const;
    expect(vmwDriverMachine.getTransitionData(s as never, start)).toHaveLength(0);
    a.send({ type: 'POP' });
    expect(vmwDriverMachine.getTransitionData(a.getSnapshot() as never, start)).toHaveLength(1);
  });

  it('the host chart holds nothing locked after it forgot the balloon, and does nothing without a session', () => {
    const cfg = vmwCheckConfig();
    const h = createActor(vmwHostMachine, { input: { system: cfg, guest: cfg.guests[0] } });
    h.start();
    const lock = { type: 'PAGES', origin: 'driver', lock: true, batched: true, large: false, entries: 2, done: 2, pageGpfns: 1, over32: false } as const;
    expect(vmwHostMachine.getTransitionData(h.getSnapshot() as never, lock)).toHaveLength(0);
    h.send({ type: 'START', ok: true, caps: null });
    h.send(lock);
    expect(h.getSnapshot().context.locked).toBe(2);
    h.send({ type: 'FORGET' });
    expect(h.getSnapshot().context.locked).toBe(0);
    expect(h.getSnapshot().value).toBe('forgot');
  });

  it('the host chart takes a RESET answer before any session (vmballoon_reset\'s doorbell unset, GET_TARGET after a failed START) and stays unstarted', () => {
    const cfg = vmwCheckConfig();
    const h = createActor(vmwHostMachine, { input: { system: cfg, guest: cfg.guests[0] } });
    h.start();
    for (const cmd of ['doorbell-set', 'get-target'] as const) {
      const ev = { type: 'REPLY_RESET', cmd } as const;
      expect(vmwHostMachine.getTransitionData(h.getSnapshot() as never, ev), cmd).toHaveLength(1);
      h.send(ev);
      expect(h.getSnapshot().value).toBe('unstarted');
      expect(h.getSnapshot().context).toEqual({ locked: 0, doorbell: false });
    }
  });
});

const PINNED_INVENTORY = { 'vmware-driver': [4, 11], 'vmware-host': [3, 12] };
