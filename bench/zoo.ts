/**
 * `npm run bench:zoo`: for every bug-zoo fault of every family, over 20 seeds, how many runs and
 * how much wall time the family's suite needs to find it, and how long the shrunk counterexample
 * is. Writes bench/ZOO.md, one table with a row per fault and a column naming its family.
 * Two more columns (issue 21): where `balloon explore` finds the fault (the configuration and
 * depth of its family explorer's `faultsAt` entry: found at which depth, in how many states and
 * seconds, or why no small configuration does), and shrink-optimality: the shrunk length divided
 * by the breadth-first minimum (at least 1), median over the seeds and the worst seed.
 *
 *   npm run bench:zoo                         every family, 20 seeds
 *   ZOO_SEEDS=5 ZOO_FAMILIES=xen npm run bench:zoo
 *   ZOO_FAULTS=vmware/ppn-truncated,virtualbox/max-compare npm run bench:zoo
 *
 * ZOO_FAULTS measures only the faults it names and rewrites only their rows of the existing
 * bench/ZOO.md (the rest of the file, notes and references included, stays as it was).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { FAMILIES, familyByName } from '../properties/families.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../properties/defaults.ts';
import { exploreImplementation } from '../properties/exhaustive.ts';
import { exploreCommandFor, explorerSetup, faultExploreAt } from '../properties/explore-at.ts';

const SEEDS = Array.from({ length: Number(process.env.ZOO_SEEDS ?? 20) }, (_, i) => i + 1);
/** `family/fault` names to measure alone (ZOO_FAULTS), or null for every fault of the families. */
const only = process.env.ZOO_FAULTS ? new Set(process.env.ZOO_FAULTS.split(',').map((x) => x.trim())) : null;
const families = only ? FAMILIES.filter((f) => f.faults.some((x) => only.has(`${f.name}/${x.name}`))) : process.env.ZOO_FAMILIES ? process.env.ZOO_FAMILIES.split(',').map((n) => familyByName(n.trim())) : FAMILIES;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const f1 = (x: number) => x.toFixed(1);

const rows: string[] = [];
const references: string[] = [];
const notes: string[] = [];
const ratios: number[] = [];
const EXPLORE_MAX_STATES = 20_000;

/** Where the explorer finds the fault: the explore cell, and the BFS minimum (null when not found). */
function explore(family: (typeof FAMILIES)[number], fault: string): { cell: string; min: number | null } {
  const at = faultExploreAt(family, fault);
  if ('notFound' in at) { notes.push(`\`${family.name}/${fault}\` is not found by \`balloon explore\`: ${at.notFound}.`); return { cell: 'not found within bounds (see below)', min: null }; }
  const setup = explorerSetup(family, at.guests, at.pages, at.variant);
  const t = performance.now();
  const r = exploreImplementation(setup.family, family.withFaults([fault]) as never, setup.config, { depth: at.depth, maxStates: EXPLORE_MAX_STATES });
  const s = ((performance.now() - t) / 1000).toFixed(1);
  const size = `${at.guests}×${at.pages}${at.variant ? ` ${at.variant}` : ''}`;
  if (!r.failure) { notes.push(`\`${family.name}/${fault}\`: \`${exploreCommandFor(family, fault, at)}\` found nothing (${r.stoppedBy}).`); return { cell: `${size}: NOT found (${r.stoppedBy}, ${r.states} states, ${s} s)`, min: null }; }
  return { cell: `${size}, depth ${r.failure.commands.length}: ${r.failure.statesAtFind} states, ${s} s`, min: r.failure.commands.length };
}
let missed = 0;
for (const family of families) {
  for (const fault of family.faults) {
    if (only && !only.has(`${family.name}/${fault.name}`)) continue;
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
    const ex = explore(family, fault.name);
    const denom = ex.min === null ? null : Math.max(1, ex.min);
    const ratio = some && denom !== null ? `${(median(len) / denom).toFixed(2)} (${(Math.max(...len) / denom).toFixed(2)})` : '-';
    if (some && denom !== null) ratios.push(median(len) / denom);
    rows.push(`| ${family.name} | ${fault.name} | ${found}/${SEEDS.length} | ${some ? median(runs) : '-'} | ${some ? Math.max(...runs) : '-'} | ${some ? f1(median(ms)) : '-'} | ${some ? f1(Math.max(...ms)) : '-'} | ${some ? median(len) : '-'} | ${some ? Math.max(...len) : '-'} | ${by} | ${ex.cell} | ${ratio} |`);
    references.push(`\`${family.name}/${fault.name}\`: ${fault.source}`);
    process.stderr.write(`${family.name}/${fault.name}: found ${found}/${SEEDS.length}\n`);
  }
}

if (only) {
  // Only the rows measured: each replaces its row (same family and fault) in the existing file.
  const url = new URL('./ZOO.md', import.meta.url);
  const key = (row: string) => row.split('|').slice(1, 3).map((x) => x.trim()).join('/');
  const fresh = new Map(rows.map((r) => [key(r), r]));
  const lines = readFileSync(url, 'utf8').split('\n').map((l) => (l.startsWith('| ') && fresh.has(key(l)) ? fresh.get(key(l))! : l));
  const missing = [...only].filter((k) => !lines.some((l) => l.startsWith('| ') && key(l) === k));
  if (missing.length > 0) { process.stderr.write(`bench/zoo.ts: no row in bench/ZOO.md for ${missing.join(', ')}\n`); process.exit(2); }
  writeFileSync(url, lines.join('\n'));
  process.stderr.write(`rewrote ${fresh.size} rows of bench/ZOO.md\n`);
  process.exit(0);
}

const out = [
  '# Bug zoo: time to detection',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end (times are wall times: other work on the machine slows them). Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each fault alone, its family's default suite (${families.map((f) => `${f.name}: ${f.properties.length} properties`).join(', ')}), the default workload and budget (at most ${DEFAULT_RUNS.toLocaleString('en-US')} runs), seeds 1 to ${SEEDS.length}.`,
  'Runs: cases until the first failing one. Time: wall time of the search until that failure, before shrinking. Length: commands in the shrunk counterexample (fast-check\'s shrink, then the last pass of properties/minimize.ts and the search of properties/shorten.ts; the fair drain that ends every run is not counted).',
  'Explore: `balloon explore` with the fault on, at the configuration of the family explorer\'s `faultsAt` entry (guests × pages, and a named variant of the tiny configuration: `--variant`), breadth-first up to that depth: the depth of the shortest failing case, the distinct states known when it was found, seconds. Shrink-optimality: shrunk length divided by that breadth-first minimum (at least 1), median over the seeds (worst seed in brackets). The two lengths count commands of different alphabets in different configurations (the random workload\'s, the explorer\'s), so a ratio below 1 means the random workload\'s commands say more per command.',
  '',
  '| family | fault | found | runs (median) | runs (max) | ms (median) | ms (max) | shrunk length (median) | (max) | found by | explore (size, depth: states, time) | shrink / BFS |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every fault was found on every seed.' : `${missed} fault/seed pairs were NOT found.`,
  '',
  `Shrink-optimality (median over seeds) is at most 1.2 for ${ratios.filter((x) => x <= 1.2).length} of the ${ratios.length} faults the explorer finds${ratios.some((x) => x > 1.2) ? `; above 1.2: ${ratios.filter((x) => x > 1.2).length}` : ''}.`,
  '',
  ...notes.flatMap((n) => [n, '']),
  `References: ${references.join('; ')}.`,
  '',
  'Rerun: `npm run bench:zoo` (ZOO_SEEDS sets the number of seeds, ZOO_FAMILIES a comma-separated list of families).',
  '',
];
writeFileSync(new URL('./ZOO.md', import.meta.url), out.join('\n'));
process.stderr.write('wrote bench/ZOO.md\n');
