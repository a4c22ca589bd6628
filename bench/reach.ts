/**
 * `npm run bench:reach`: where the default campaign of each family goes (issue 22), and what
 * counting it costs. Writes bench/REACH.md: per family, at the default budget and seed 1, how
 * many cases reached each situation of its catalogue (pairs and triples against the targets of
 * 1% and 0.1%), each property's work; then the wall time of the same check with and without
 * counting (best of two alternating runs each, so a busy machine hurts both alike).
 *
 *   npm run bench:reach
 *   REACH_RUNS=2000 REACH_FAMILIES=xen npm run bench:reach
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { FAMILIES, familyByName } from '../properties/families.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../properties/defaults.ts';
import { percent, type ReachReport } from '../properties/reach/recorder.ts';

const RUNS = Number(process.env.REACH_RUNS ?? DEFAULT_RUNS);
const COST_RUNS = Number(process.env.REACH_COST_RUNS ?? 1000);
const SEED = 1;
const families = (process.env.REACH_FAMILIES ? process.env.REACH_FAMILIES.split(',').map((n) => familyByName(n.trim())) : FAMILIES).filter((f) => f.reach);

const out: string[] = [
  '# Reach: where the default campaign goes',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the start. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each family's default suite and workload, ${RUNS} cases, seed ${SEED} (\`balloon check --reach --seed ${SEED}\` prints the same tables). A situation counts once per case that reached it.`,
  'Targets (issue 22): every pair of events on one host page in at least 1% of cases, every triple in at least 0.1%; a situation the family cannot reach is listed with its reason.',
  '',
];

const fmt = (n: number, of: number) => `${n} (${percent(n, of)})`;

function section(name: string, r: ReachReport): void {
  out.push(`## ${name}`, '');
  const groups = [...new Set(r.situations.map((s) => s.group))];
  out.push('| group | situations | reachable | reached | least reached | below target |', '|---|---|---|---|---|---|');
  for (const g of groups) {
    const ss = r.situations.filter((s) => s.group === g);
    const ok = ss.filter((s) => !s.unreachable);
    const least = ok.reduce((m, s) => Math.min(m, s.cases), Infinity);
    const target = g === 'pair' ? 0.01 : g === 'triple' ? 0.001 : 0;
    const below = ok.filter((s) => s.cases === 0 || s.cases < target * r.cases).map((s) => `${s.name} ${fmt(s.cases, r.cases)}`);
    out.push(`| ${g} | ${ss.length} | ${ok.length} | ${ok.filter((s) => s.cases > 0).length} | ${ok.length ? fmt(least, r.cases) : '-'} | ${below.length ? below.join('; ') : 'none'} |`);
  }
  out.push('', 'Limits, refusals and work:', '', '| situation | cases |', '|---|---|');
  for (const s of r.situations.filter((x) => x.group !== 'pair' && x.group !== 'triple')) out.push(`| ${s.name} | ${s.unreachable ? `unreachable: ${s.unreachable}` : fmt(s.cases, r.cases)} |`);
  out.push('', 'Properties, cases that gave each something to check:', '', '| property | cases |', '|---|---|');
  for (const p of r.properties) out.push(`| ${p.name} | ${fmt(p.cases, r.cases)}${p.vacuous ? ' VACUOUS' : ''} |`);
  const un = r.situations.filter((s) => (s.group === 'pair' || s.group === 'triple') && s.unreachable);
  if (un.length > 0) {
    out.push('', `Chains the family cannot make (${un.length}), each with its reason:`, '');
    for (const s of un) out.push(`- ${s.name}: ${s.unreachable}`);
  }
  out.push('');
}

const cost: string[] = [];
for (const f of families) {
  const props = f.properties;
  const r = runCampaign({ family: f.name, factory: f.reference, properties: props, runs: RUNS, seed: SEED });
  if (r.counterexamples.length > 0) throw new Error(`${f.name}: the reference failed ${r.counterexamples[0].property}`);
  section(f.name, r.reach!);
  process.stderr.write(`${f.name}: reach done\n`);
  const time = (countReach: boolean) => {
    const t = performance.now();
    runCampaign({ family: f.name, factory: f.reference, properties: props, runs: COST_RUNS, seed: SEED, countReach });
    return performance.now() - t;
  };
  const off: number[] = [], on: number[] = [];
  for (let i = 0; i < 2; i++) { off.push(time(false)); on.push(time(true)); }
  const a = Math.min(...off), b = Math.min(...on);
  cost.push(`| ${f.name} | ${COST_RUNS} | ${(a / 1000).toFixed(2)} s | ${(b / 1000).toFixed(2)} s | ${(((b - a) / a) * 100).toFixed(1)}% |`);
}
out.push('## What counting costs', '', `The default suite, ${COST_RUNS} cases, seed ${SEED}, best of two alternating runs each.`, '',
  '| family | cases | without counting | with counting | difference |', '|---|---|---|---|---|', ...cost, '',
  'Rerun: `npm run bench:reach` (REACH_RUNS, REACH_COST_RUNS and REACH_FAMILIES change the budget, the timing budget and the families).', '');
writeFileSync('bench/REACH.md', out.join('\n'));
process.stderr.write('wrote bench/REACH.md\n');
