/**
 * `npx tsx bench/zoo-vmware.ts`: the VMware rows of the bug zoo. For every VMware fault, over 20 seeds, how
 * many runs and how much wall time the family's suite needs to find it, and how long the shrunk
 * counterexample is. Writes bench/ZOO-VMWARE.md (to fold into bench/ZOO.md once bench/zoo.ts walks
 * every family).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { familyByName } from '../properties/families.ts';
import { runCampaign } from '../properties/campaign.ts';

const vmware = familyByName('vmware');
const RUNS = 10_000;
const SEEDS = Array.from({ length: Number(process.env.ZOO_SEEDS ?? 20) }, (_, i) => i + 1);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const rows: string[] = [];
let missed = 0;
for (const fault of vmware.faults) {
  const runs: number[] = [], ms: number[] = [], len: number[] = [], props = new Map<string, number>();
  let found = 0;
  for (const seed of SEEDS) {
    const r = runCampaign({ family: 'vmware', factory: vmware.withFaults([fault.name]) as never, properties: vmware.properties, runs: RUNS, seed, stopAtFirst: true });
    const cx = r.counterexamples[0];
    if (!cx) continue;
    found++;
    runs.push(cx.runsBeforeFailure); ms.push(cx.msToDetect); len.push(cx.case.commands.length);
    props.set(cx.property, (props.get(cx.property) ?? 0) + 1);
  }
  missed += SEEDS.length - found;
  const by = [...props].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`).join(', ');
  const f1 = (x: number) => x.toFixed(1);
  rows.push(`| ${fault.name} | ${found}/${SEEDS.length} | ${found ? median(runs) : '-'} | ${found ? Math.max(...runs) : '-'} | ${found ? f1(median(ms)) : '-'} | ${found ? f1(Math.max(...ms)) : '-'} | ${found ? median(len) : '-'} | ${found ? Math.max(...len) : '-'} | ${by} |`);
  process.stderr.write(`${fault.name}: found ${found}/${SEEDS.length}\n`);
}

const out = [
  '# Bug zoo, VMware family: time to detection',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.`,
  `Each fault alone, the VMware suite (${vmware.properties.length} properties), the default VMware workload (generated capability sets), at most ${RUNS.toLocaleString('en-US')} runs, seeds 1 to ${SEEDS.length}.`,
  'Runs: cases until the first failing one. Time: wall time of the search until that failure, before shrinking. Length: commands in the shrunk counterexample (the fair drain is not counted).',
  '',
  '| fault | found | runs (median) | runs (max) | ms (median) | ms (max) | shrunk length (median) | (max) | found by |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every fault was found on every seed.' : `${missed} fault/seed pairs were NOT found.`,
  '',
  `References: ${vmware.faults.map((f) => `\`${f.name}\`: ${f.source}`).join('; ')}.`,
  '',
  'Rerun: `npx tsx bench/zoo-vmware.ts` (ZOO_SEEDS sets the number of seeds).',
  '',
];
writeFileSync(new URL('./ZOO-VMWARE.md', import.meta.url), out.join('\n'));
process.stderr.write('wrote bench/ZOO-VMWARE.md\n');
