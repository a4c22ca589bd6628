/**
 * Every trace `balloon check` saves replays to the failure it records: a campaign per bug-zoo
 * fault and seed, the way `check` runs it (every property, going on after each failure), each
 * counterexample turned into its trace file text as `check` writes it, read back and replayed from
 * that text alone. Used by saved-replays.test.ts with modest runs; run it directly for the full
 * sweep at the command line's default runs:
 *
 *   npx tsx test/traces/saved-replays.ts [runs] [seeds, e.g. 1,2,3]
 */
import { faultNames, type FaultName } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { conformance } from '../../properties/conformance.ts';
import { factoryForTrace, referenceFactory } from '../../traces/factory.ts';
import { parseTrace } from '../../traces/load.ts';
import { replayTrace } from '../../traces/replay.ts';
import { serializeTrace } from '../../traces/save.ts';
import { traceFromCounterexample } from '../../traces/build.ts';

export interface SavedReplay { fault: FaultName; seed: number; property: string; verdict: string; detail: string }

/** Run the campaign of `check --fault F --seed S --runs N`, and replay every trace it saves. */
export function savedReplays(fault: FaultName, seed: number, runs: number): SavedReplay[] {
  const out: SavedReplay[] = [];
  runCampaign({
    factory: referenceFactory([fault]), properties: allProperties, runs, seed,
    onFailure: (cx) => {
      const file = `${fault}-seed${seed}-${cx.property}.json`;
      const trace = parseTrace(serializeTrace(traceFromCounterexample(cx, { faults: [fault] })), file);
      const r = replayTrace(trace, { factory: factoryForTrace(trace, file), properties: allProperties, conformance, file });
      const f = r.result.failure;
      out.push({ fault, seed, property: cx.property, verdict: r.verdict, detail: f ? `${f.property} at step ${f.step}` : 'nothing failed' });
    },
  });
  return out;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  const runs = Number(process.argv[2] ?? 10_000);
  const seeds = (process.argv[3] ?? '1,2,3').split(',').map(Number);
  let bad = 0;
  let total = 0;
  for (const fault of faultNames) {
    for (const seed of seeds) {
      const t = performance.now();
      const rs = savedReplays(fault, seed, runs);
      total += rs.length;
      const wrong = rs.filter((r) => r.verdict !== 'reproduced');
      bad += wrong.length;
      process.stdout.write(`${fault} seed ${seed}: ${rs.length} traces, ${rs.length - wrong.length} reproduced (${((performance.now() - t) / 1000).toFixed(1)}s)\n`);
      for (const w of wrong) process.stdout.write(`  ${w.property}: ${w.verdict} (${w.detail})\n`);
    }
  }
  process.stdout.write(`${total} traces, ${total - bad} reproduced, ${bad} not\n`);
  process.exitCode = bad > 0 ? 1 : 0;
}
