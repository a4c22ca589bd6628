// The same seed and options give byte-identical trace files, from a real campaign: this is the
// wiring `balloon check` uses (runCampaign's onFailure → buildTrace → saveTrace).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { traceFromCounterexample } from '../../traces/build.ts';
import { loadTrace } from '../../traces/load.ts';
import { replayTrace } from '../../traces/replay.ts';
import { saveTrace } from '../../traces/save.ts';
import { leakyFactory } from './fixtures/leaky-impl.ts';
import { tempDir } from './helpers.ts';

const IMPL = 'test/traces/fixtures/leaky-impl.ts';

/** Run a short campaign on the leaky adapter and save every counterexample in a fresh directory. */
function campaignTraces(seed: number): { dir: string; files: string[] } {
  const dir = join(tempDir(), 'failures');
  const files: string[] = [];
  runCampaign({
    factory: leakyFactory(4), properties: allProperties, runs: 40, seed, maxCommands: 30, stopAtFirst: true,
    onFailure: (cx) => files.push(saveTrace(dir, traceFromCounterexample(cx, { impl: IMPL }))),
  });
  return { dir, files };
}

describe('trace determinism', () => {
  it('the same seed and options give byte-identical trace files', () => {
    const a = campaignTraces(7);
    const b = campaignTraces(7);
    expect(a.files.length).toBeGreaterThan(0);
    expect(readdirSync(a.dir)).toEqual(readdirSync(b.dir));
    a.files.forEach((f, i) => expect(readFileSync(f).equals(readFileSync(b.files[i]))).toBe(true));
  });

  it('a saved counterexample reproduces when replayed', () => {
    const { files } = campaignTraces(7);
    for (const f of files) {
      const t = loadTrace(f);
      const r = replayTrace(t, { factory: leakyFactory(4), properties: allProperties, file: f });
      expect(r.verdict, f).toBe('reproduced');
    }
  });
});
