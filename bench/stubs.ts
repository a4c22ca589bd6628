/**
 * `npm run bench:stubs`: every vacuous implementation of test/fixtures/stubs/, over 20 seeds, with
 * the default suite and budget: found or not, by which property, after how many runs. Writes
 * bench/STUBS.md. The CI test (test/properties/stubs.test.ts) tries the first 5 seeds.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { allProperties } from '../properties/index.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../properties/defaults.ts';
import { STUBS } from '../test/fixtures/stubs/index.ts';

const SEEDS = Array.from({ length: Number(process.env.STUB_SEEDS ?? 20) }, (_, i) => i + 1);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const rows: string[] = [];
let missed = 0;
const t0 = performance.now();
for (const stub of STUBS) {
  const runs: number[] = [];
  const props = new Map<string, number>();
  for (const seed of SEEDS) {
    const r = runCampaign({ factory: stub.factory, properties: allProperties, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
    const cx = r.counterexamples[0];
    if (!cx) continue;
    runs.push(cx.runsBeforeFailure);
    props.set(cx.property, (props.get(cx.property) ?? 0) + 1);
  }
  missed += SEEDS.length - runs.length;
  const by = [...props].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`).join(', ');
  rows.push(`| ${stub.name} | ${stub.leaves} | ${runs.length}/${SEEDS.length} | ${runs.length ? median(runs) : '-'} | ${runs.length ? Math.max(...runs) : '-'} | ${by} |`);
  process.stderr.write(`${stub.name}: found ${runs.length}/${SEEDS.length} (${by})\n`);
}
const out = [
  '# Vacuous implementations: caught by the general properties',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each stub of test/fixtures/stubs/ alone, the default suite (${allProperties.length} properties), the default workload and budget (${DEFAULT_RUNS.toLocaleString('en-US')} runs), seeds 1 to ${SEEDS.length}, stopping at the first failure. Runs: cases until the first failing one. Total wall time ${((performance.now() - t0) / 1000).toFixed(0)} s, shrinking included.`,
  '',
  '| stub | leaves out | found | runs (median) | runs (max) | found by |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every stub was caught on every seed.' : `${missed} stub/seed pairs were NOT caught.`,
  '',
  'Rerun: `npm run bench:stubs` (STUB_SEEDS sets the number of seeds).',
  '',
];
writeFileSync(new URL('./STUBS.md', import.meta.url), out.join('\n'));
process.stderr.write('wrote bench/STUBS.md\n');
