/**
 * `npm run bench:zoo`: for every bug-zoo fault, over 20 seeds, how many runs and how much wall
 * time the default suite needs to find it, and how long the shrunk counterexample is. Writes
 * bench/ZOO.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { FAULTS, faultNames, referenceWithFaults } from '../impl/virtio/index.ts';
import { allProperties } from '../properties/index.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../cli/commands/check.ts';

const SEEDS = Array.from({ length: Number(process.env.ZOO_SEEDS ?? 20) }, (_, i) => i + 1);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const rows: string[] = [];
let missed = 0;
for (const fault of faultNames) {
  const runs: number[] = [], ms: number[] = [], len: number[] = [], props = new Map<string, number>();
  let found = 0;
  for (const seed of SEEDS) {
    const r = runCampaign({ factory: referenceWithFaults([fault]), properties: allProperties, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
    const cx = r.counterexamples[0];
    if (!cx) continue;
    found++;
    runs.push(cx.runsBeforeFailure); ms.push(cx.msToDetect); len.push(cx.case.commands.length);
    props.set(cx.property, (props.get(cx.property) ?? 0) + 1);
  }
  missed += SEEDS.length - found;
  const by = [...props].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`).join(', ');
  const f1 = (x: number) => x.toFixed(1);
  rows.push(`| ${fault} | ${found}/${SEEDS.length} | ${found ? median(runs) : '-'} | ${found ? Math.max(...runs) : '-'} | ${found ? f1(median(ms)) : '-'} | ${found ? f1(Math.max(...ms)) : '-'} | ${found ? median(len) : '-'} | ${found ? Math.max(...len) : '-'} | ${by} |`);
  process.stderr.write(`${fault}: found ${found}/${SEEDS.length}\n`);
}

const out = [
  '# Bug zoo: time to detection',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each fault alone, the default suite (${allProperties.length} properties), the default workload and budget (${DEFAULT_RUNS.toLocaleString('en-US')} runs), seeds 1 to ${SEEDS.length}.`,
  'Runs: cases until the first failing one. Time: wall time of the search until that failure, before shrinking. Length: commands in the shrunk counterexample (the fair drain that ends every run is not counted).',
  '',
  '| fault | found | runs (median) | runs (max) | ms (median) | ms (max) | shrunk length (median) | (max) | found by |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every fault was found on every seed.' : `${missed} fault/seed pairs were NOT found.`,
  '',
  `References: ${faultNames.map((f) => `\`${f}\`: ${FAULTS[f].reference}`).join('; ')}.`,
  '',
  'Rerun: `npm run bench:zoo` (ZOO_SEEDS sets the number of seeds).',
  '',
];
writeFileSync(new URL('./ZOO.md', import.meta.url), out.join('\n'));
process.stderr.write('wrote bench/ZOO.md\n');
