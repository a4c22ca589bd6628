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

async function firstCounterexample(spec: string, properties = allProperties) {
  const factory = guardImplementation(await loadImplementation(spec));
  const report = runCampaign({ factory, properties, runs: 200, seed: 1, maxCommands: 60, stopAtFirst: true });
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

  it('passes the example implementation and the createSystem fixture', async () => {
    for (const spec of ['examples/array-impl/index.ts', 'test/fixtures/adapters/named-create-system.ts']) {
      const factory = guardImplementation(await loadImplementation(spec));
      const report = runCampaign({ factory, properties: allProperties, runs: 40, seed: 1, maxCommands: 60 });
      expect(report.counterexamples.map((c) => c.property)).toEqual([]);
    }
  });
});
