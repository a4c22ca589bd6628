import { loadMermaid, type Mermaid } from '../../helpers/mermaid.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { readFileSync } from 'node:fs';
import { toMermaid, updateDocBlocks } from '../../../model/mermaid.ts';
import { chartInventory } from '../../../model/inventory.ts';
import { xenCharts, xenThreadMachine } from '../../../model/xen/index.ts';
import { xenCheckConfig } from '../../../properties/xen/index.ts';
import { runCoverage, untaken } from '../../../properties/coverage.ts';
import { exploreXen, tinyXenConfig } from '../../../properties/xen/explore.ts';
import { xenGuestConfig } from '../../../core/xen/index.ts';

let mermaid: Mermaid;

beforeAll(async () => { mermaid = await loadMermaid(); }, 60_000);

describe('the Xen charts', () => {
  it('draw as valid Mermaid, generated from the machines', async () => {
    for (const [name, m] of Object.entries(xenCharts)) {
      const text = toMermaid(m);
      expect(text.startsWith('stateDiagram-v2'), name).toBe(true);
      await expect(mermaid.parse(text)).resolves.toBeTruthy();
    }
    // The parser can say no: the same diagram cut off inside a state block is rejected.
    const cut = toMermaid(xenThreadMachine).split('\n');
    await expect(mermaid.parse(`${cut.slice(0, cut.findIndex((l) => l.includes('{')) + 1).join('\n')}\n    [*] -->\n`)).rejects.toThrow();
  });

  it('docs/families/xen.md shows the current charts', () => {
    const doc = readFileSync('docs/families/xen.md', 'utf8');
    expect(doc).toContain('<!-- chart:xen-thread:begin');
    expect(doc, 'docs/families/xen.md is stale: run `npx tsx cli/main.ts chart --family xen --format mermaid --update docs/families/xen.md`').toBe(updateDocBlocks(doc, xenCharts));
  });

  it('the default seeded campaign takes every state and transition (100%)', () => {
    const { charts } = runCoverage({ family: 'xen', seed: 42, runs: 100 });
    expect(charts.map((c) => c.chart)).toEqual(['xen-thread', 'xen-hypervisor']);
    for (const c of charts) expect(untaken(c), c.chart).toEqual({ states: [], transitions: [] });
  }, 60_000);

  it('inventory sizes are pinned', () => {
    const sizes = Object.fromEntries(Object.entries(xenCharts).map(([name, m]) => { const inv = chartInventory(m); return [name, [inv.states.length, inv.transitions.length]]; }));
    expect(sizes).toEqual({ 'xen-thread': [3, 18], 'xen-hypervisor': [7, 8] });
  });

  // 619 states, 4074 edges until a cancelled rise cut the target to current_pages + the pages lent
  // (Linux c673ec61ade8) instead of current_pages: a cancel no longer leaves a target of its own below the lent pages.
  it('the tiny system\'s state space is pinned (exhaustive, saturated)', () => {
    expect(exploreXen(tinyXenConfig(), 16)).toEqual({ states: 578, edges: 3777 });
    expect(exploreXen(tinyXenConfig({ guests: [xenGuestConfig({ ramPages: 4, floorPages: 1, mode: 'pv' })] }), 16)).toEqual({ states: 578, edges: 3777 });
  }, 30_000);

  it('refuses a pass when the thread is not due, naming the rule', () => {
    const cfg = xenCheckConfig();
    const a = createActor(xenThreadMachine, { input: { guest: cfg.guests[0], system: cfg } });
    a.start();
    a.send({ type: 'PASS', ran: true, credit: 0, after: 'done', delay: 1, retries: 1, now: 0 });
    const s1 = a.getSnapshot();
    a.send({ type: 'PASS', ran: true, credit: 0, after: 'done', delay: 1, retries: 1, now: 0 });
    expect(a.getSnapshot()).toBe(s1);
    expect(xenThreadMachine.getTransitionData(s1 as never, { type: 'PASS', ran: true, credit: 0, after: 'done', delay: 1, retries: 1, now: 0 })).toHaveLength(0);
  });
});
