/**
 * Regenerates traces/zoo/NAME.json: for every bug-zoo fault, the shrunk counterexample the
 * default suite finds at seed 1, with the fault recorded in the trace.
 *   npm run zoo:traces
 * test/zoo/traces.test.ts replays each expecting its failure, and again with the fault off
 * expecting every property to hold. The same seed gives the same files, byte for byte.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FAULTS, faultNames, referenceWithFaults, type FaultName } from '../impl/virtio/index.ts';
import { allProperties } from '../properties/index.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../cli/commands/check.ts';
import { buildTrace } from './build.ts';
import { serializeTrace } from './save.ts';
import type { Trace } from './format.ts';

export const ZOO_DIR = fileURLToPath(new URL('./zoo/', import.meta.url));
export const ZOO_SEED = 1;

/** The zoo trace of one fault, or null if the suite did not find it (a zoo test fails then). */
export function zooTrace(fault: FaultName): Trace | null {
  const r = runCampaign({ factory: referenceWithFaults([fault]), properties: allProperties, runs: DEFAULT_RUNS, seed: ZOO_SEED, stopAtFirst: true });
  const cx = r.counterexamples[0];
  if (!cx) return null;
  return buildTrace({
    config: cx.case.config, commands: cx.case.commands, properties: cx.properties, failure: cx.failure,
    seed: cx.roundSeed, path: cx.path, faults: [fault], note: `${fault}: ${FAULTS[fault].doc} (${FAULTS[fault].reference})`,
  });
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  mkdirSync(ZOO_DIR, { recursive: true });
  for (const f of faultNames) {
    const t = zooTrace(f);
    if (!t) { process.stderr.write(`${f}: not found at seed ${ZOO_SEED}\n`); process.exitCode = 1; continue; }
    writeFileSync(`${ZOO_DIR}${f}.json`, serializeTrace(t));
    process.stdout.write(`traces/zoo/${f}.json: ${t.expect.verdict === 'fail' ? t.expect.property : ''}, ${t.commands.length} commands\n`);
  }
}
