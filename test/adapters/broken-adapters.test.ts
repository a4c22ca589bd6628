/**
 * Broken adapters that run without crashing are caught by the general properties, with a
 * counterexample a person can read: the leak by the frame-table checks, the lie by the counters.
 */
import { describe, expect, it } from 'vitest';
import { counterexampleText } from '../../cli/format.ts';
import { guardImplementation } from '../../adapters/guard.ts';
import { loadImplementation } from '../../adapters/load.ts';
import { allProperties, propertiesByName } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';

async function firstCounterexample(spec: string, properties = allProperties, runs = 200, seed = 1) {
  const factory = guardImplementation(await loadImplementation(spec));
  const report = runCampaign({ factory, properties, runs, seed, maxCommands: 60, stopAtFirst: true });
  expect(report.counterexamples).toHaveLength(1);
  return report.counterexamples[0];
}

describe('broken adapter fixtures under the property campaign', () => {
  it('catches the adapter that leaks released frames', async () => {
    const cx = await firstCounterexample('test/fixtures/adapters/leaks-frames.ts');
    expect(['no-double-mapping', 'frames-conserved']).toContain(cx.property);
    const text = counterexampleText(cx);
    expect(text).toMatch(/violated: (no-double-mapping|frames-conserved): .*frame \d+/);
    expect(cx.case.commands.length).toBeLessThanOrEqual(6);
  });

  it('catches the leak with frame conservation alone', async () => {
    const cx = await firstCounterexample('test/fixtures/adapters/leaks-frames.ts', propertiesByName(['frames-conserved']));
    expect(cx.property).toBe('frames-conserved');
    expect(counterexampleText(cx)).toContain('violated: frames-conserved: ');
  });

  it('catches the adapter that lies about actual', async () => {
    const cx = await firstCounterexample('test/fixtures/adapters/lies-about-actual.ts');
    expect(cx.property).toBe('counters-match');
    expect(cx.failure.violation.message).toMatch(/^guest \d+ wrote actual = \d+, but its balloon holds \d+ acknowledged gpfns$/);
    expect(cx.case.commands.length).toBeLessThanOrEqual(3);
  });

  // Memory bugs only the data oracle sees: no mapping or counter is wrong, only the contents.
  it('catches the adapter that hands frames on unscrubbed (one guest reads another\'s data)', async () => {
    const cx = await firstCounterexample('test/fixtures/adapters/unscrubbed-frames.ts', allProperties, 10_000, 2);
    expect(cx.property).toBe('data-oracle');
    expect(cx.failure.violation.message).toMatch(/read back token \d+, but the page was allocated \(zero-filled\) and never written/);
  }, 180_000); // thousands of runs through the guard: a "does not hang" limit that a loaded machine also meets

  it('catches the adapter whose reset scrubs the guest\'s used pages', async () => {
    const cx = await firstCounterexample('test/fixtures/adapters/reset-scrubs-memory.ts', allProperties, 2000, 2);
    // The scrub zeroes a page the guest wrote (data-oracle) or one it reported free under PAGE_POISON,
    // which must keep poison_val (reported-pages-kept): which comes first depends on the drawn case.
    expect(['data-oracle', 'reported-pages-kept']).toContain(cx.property);
    expect(cx.failure.violation.message).toMatch(/read back a zeroed page, but the guest last wrote token \d+ there|held zeroes when the guest allocated it, not poison_val/);
  });

  it('passes the example implementation and the createSystem fixture', async () => {
    for (const spec of ['examples/array-impl/index.ts', 'test/fixtures/adapters/named-create-system.ts']) {
      const factory = guardImplementation(await loadImplementation(spec));
      const report = runCampaign({ factory, properties: allProperties, runs: 40, seed: 1, maxCommands: 60 });
      expect(report.counterexamples.map((c) => c.property)).toEqual([]);
    }
  });
});
