/**
 * `npm run bench:zoo`: for every bug-zoo fault of every family, over 20 seeds, how many runs and
 * how much wall time the family's suite needs to find it, and how long the shrunk counterexample
 * is. Writes bench/ZOO.md, one table with a row per fault and a column naming its family.
 *
 *   npm run bench:zoo                         every family, 20 seeds
 *   ZOO_SEEDS=5 ZOO_FAMILIES=xen npm run bench:zoo
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { FAMILIES, familyByName } from '../properties/families.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../properties/defaults.ts';

const SEEDS = Array.from({ length: Number(process.env.ZOO_SEEDS ?? 20) }, (_, i) => i + 1);
const families = process.env.ZOO_FAMILIES ? process.env.ZOO_FAMILIES.split(',').map((n) => familyByName(n.trim())) : FAMILIES;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const f1 = (x: number) => x.toFixed(1);

const rows: string[] = [];
const references: string[] = [];
let missed = 0;
for (const family of families) {
  for (const fault of family.faults) {
    const runs: number[] = [], ms: number[] = [], len: number[] = [], props = new Map<string, number>();
    let found = 0;
    for (const seed of SEEDS) {
      const r = runCampaign({ family: family.name, factory: family.withFaults([fault.name]) as never, properties: family.properties as never, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
      const cx = r.counterexamples[0];
      if (!cx) continue;
      found++;
      runs.push(cx.runsBeforeFailure); ms.push(cx.msToDetect); len.push(cx.case.commands.length);
      props.set(cx.property, (props.get(cx.property) ?? 0) + 1);
    }
    missed += SEEDS.length - found;
    const by = [...props].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`).join(', ');
    const some = found > 0;
    rows.push(`| ${family.name} | ${fault.name} | ${found}/${SEEDS.length} | ${some ? median(runs) : '-'} | ${some ? Math.max(...runs) : '-'} | ${some ? f1(median(ms)) : '-'} | ${some ? f1(Math.max(...ms)) : '-'} | ${some ? median(len) : '-'} | ${some ? Math.max(...len) : '-'} | ${by} |`);
    references.push(`\`${family.name}/${fault.name}\`: ${fault.source}`);
    process.stderr.write(`${family.name}/${fault.name}: found ${found}/${SEEDS.length}\n`);
  }
}

const out = [
  '# Bug zoo: time to detection',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end (times are wall times: other work on the machine slows them). Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each fault alone, its family's default suite (${families.map((f) => `${f.name}: ${f.properties.length} properties`).join(', ')}), the default workload and budget (at most ${DEFAULT_RUNS.toLocaleString('en-US')} runs), seeds 1 to ${SEEDS.length}.`,
  'Runs: cases until the first failing one. Time: wall time of the search until that failure, before shrinking. Length: commands in the shrunk counterexample (the fair drain that ends every run is not counted).',
  '',
  '| family | fault | found | runs (median) | runs (max) | ms (median) | ms (max) | shrunk length (median) | (max) | found by |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every fault was found on every seed.' : `${missed} fault/seed pairs were NOT found.`,
  '',
  `References: ${references.join('; ')}.`,
  '',
  'Rerun: `npm run bench:zoo` (ZOO_SEEDS sets the number of seeds, ZOO_FAMILIES a comma-separated list of families).',
  '',
];
writeFileSync(new URL('./ZOO.md', import.meta.url), out.join('\n'));
process.stderr.write('wrote bench/ZOO.md\n');
