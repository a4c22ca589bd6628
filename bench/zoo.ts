/**
 * `npm run bench:zoo`: for every bug-zoo fault of every family, over 20 seeds, how many runs and
 * how much wall time the family's suite needs to find it, and how long the shrunk counterexample
 * is. Writes bench/ZOO.md, one table with a row per fault and a column naming its family.
 * Two more columns (issue 21): where `balloon explore` finds the fault (the configuration and
 * depth of its family explorer's `faultsAt` entry: found at which depth, in how many states and
 * seconds, or why no small configuration does), and shrink-optimality: the shrunk length divided
 * by the breadth-first minimum (at least 1), median over the seeds and the worst seed.
 *
 * The breadth-first minimum a seed's shrunk length is divided by is that of the property the
 * seed's counterexample fails: the explorer searched again with that property alone (a run of
 * the random workload that fails `conformance` first is held to the shortest `conformance`
 * failure, not to a shorter failure of another property that this case does not show).
 *
 *   npm run bench:zoo                         every family, 20 seeds
 *   ZOO_SEEDS=5 ZOO_FAMILIES=xen npm run bench:zoo
 *   ZOO_FAULTS=virtio/deflate-on-reclaim,xen/gfn-truncated npm run bench:zoo   those rows only (ZOO.md is not written: rows go to stdout)
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { FAMILIES, familyByName } from '../properties/families.ts';
import { runCampaign, shortenOptions } from '../properties/campaign.ts';
import { runCase } from '../properties/runner.ts';
import { searchShorter } from '../properties/shorten.ts';
import { DEFAULT_RUNS } from '../properties/defaults.ts';
import { exploreImplementation } from '../properties/exhaustive.ts';
import { exploreCommandFor, explorerSetup, faultExploreAt } from '../properties/explore-at.ts';

const SEEDS = Array.from({ length: Number(process.env.ZOO_SEEDS ?? 20) }, (_, i) => i + 1);
const onlyFaults = process.env.ZOO_FAULTS ? new Set(process.env.ZOO_FAULTS.split(',').map((n) => n.trim())) : null;
/** States the proof that a shrunk case is shortest in its own configuration may visit. */
const PROOF_MAX_STATES = 1_000;
const families = process.env.ZOO_FAMILIES ? process.env.ZOO_FAMILIES.split(',').map((n) => familyByName(n.trim())) : FAMILIES;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const f1 = (x: number) => x.toFixed(1);

const rows: string[] = [];
const references: string[] = [];
const notes: string[] = [];
const ratios: number[] = [];
const worst: number[] = [];
const provenAbove: string[] = [];
const unprovenFaults: string[] = [];

/**
 * Whether a shrunk case is a shortest failing case in its own configuration: every shorter
 * sequence over the family explorer's alphabet for that configuration plus the case's own commands
 * (properties/shorten.ts, every edge judged), failing the same property first. 'shortest' when the
 * search was complete and found none; else what it found or that the budget ended it.
 */
function shortestInOwnConfig(family: (typeof FAMILIES)[number], fault: string, cx: ReturnType<typeof runCampaign>['counterexamples'][number]): string {
  const factory = family.withFaults([fault]) as never;
  const fails = (commands: typeof cx.case.commands) => runCase(factory, cx.case.config, commands, family.properties as never).failure?.property === cx.property;
  const r = searchShorter(cx.case.commands, { ...shortenOptions(family, factory, cx.case.config, cx.case.commands, fails), maxStates: PROOF_MAX_STATES, judgeEveryEdge: true });
  if (r.shorter) return `a case of ${r.shorter.length} found where ${cx.case.commands.length} was shrunk`;
  return r.complete ? 'shortest' : `not decided within ${PROOF_MAX_STATES} states (${cx.case.commands.length} commands)`;
}
const EXPLORE_MAX_STATES = 20_000;

/**
 * The breadth-first minimum for one property: the explorer at the fault's entry, that property
 * alone, up to `depth`. A lower bound on the shortest case in which it fails: depth + 1 when the
 * search ended at the depth bound with nothing found; `floor` (the minimum over every property)
 * when it ended at the state bound.
 *
 * A campaign's case must fail its property first under the family's whole list; when the
 * explorer's shortest case fails another property first (virtio's unbounded balloon breaks the
 * floor before conformance sees anything), no campaign can shrink to it, and the minimum is that
 * of the cases that fail this property first: every sequence over the entry's alphabet shorter
 * than `longest` (the longest shrunk case of that property) judged whole (properties/shorten.ts,
 * every edge judged, within PROOF_MAX_STATES states): the first found, or `longest` when none is.
 * When that search runs out of states, the explorer's minimum stands (a lower bound still).
 */
function minimumFor(family: (typeof FAMILIES)[number], fault: string, property: string, depth: number, floor: number, longest: number): number | null {
  const at = faultExploreAt(family, fault);
  if ('notFound' in at) return null;
  const props = family.properties.filter((p) => p.name === property);
  if (props.length === 0) return null;
  const setup = explorerSetup(family, at.guests, at.pages, at.variant);
  const factory = family.withFaults([fault]) as never;
  const r = exploreImplementation(setup.family, factory, setup.config, { depth, maxStates: EXPLORE_MAX_STATES, properties: props as never });
  if (!r.failure) return r.stoppedBy === 'state-limit' ? floor : depth + 1;
  const first = (commands: readonly unknown[]) => runCase(factory, setup.config as never, commands as never, family.properties as never).failure?.property === property;
  if (first(r.failure.commands) || longest <= r.failure.commands.length) return r.failure.commands.length;
  const alike = searchShorter(new Array<never>(longest), { ...shortenOptions(setup.family, factory, setup.config as never, [], first), maxStates: PROOF_MAX_STATES, judgeEveryEdge: true });
  if (alike.shorter) return alike.shorter.length;
  return alike.complete ? longest : r.failure.commands.length;
}

/** Where the explorer finds the fault: the explore cell, and the BFS minimum (null when not found). */
function explore(family: (typeof FAMILIES)[number], fault: string): { cell: string; min: number | null } {
  const at = faultExploreAt(family, fault);
  if ('notFound' in at) { notes.push(`\`${family.name}/${fault}\` is not found by \`balloon explore\`: ${at.notFound}.`); return { cell: 'not found within bounds (see below)', min: null }; }
  const setup = explorerSetup(family, at.guests, at.pages, at.variant);
  const t = performance.now();
  const r = exploreImplementation(setup.family, family.withFaults([fault]) as never, setup.config, { depth: at.depth, maxStates: Math.max(EXPLORE_MAX_STATES, at.maxStates ?? 0) });
  const s = ((performance.now() - t) / 1000).toFixed(1);
  const size = `${at.guests}×${at.pages}${at.variant ? ` ${at.variant}` : ''}`;
  if (!r.failure) { notes.push(`\`${family.name}/${fault}\`: \`${exploreCommandFor(family, fault, at)}\` found nothing (${r.stoppedBy}).`); return { cell: `${size}: NOT found (${r.stoppedBy}, ${r.states} states, ${s} s)`, min: null }; }
  return { cell: `${size}, depth ${r.failure.commands.length}: ${r.failure.statesAtFind} states, ${s} s`, min: r.failure.commands.length };
}
let missed = 0;
for (const family of families) {
  for (const fault of family.faults) {
    if (onlyFaults && !onlyFaults.has(`${family.name}/${fault.name}`)) continue;
    const runs: number[] = [], ms: number[] = [], len: number[] = [], props = new Map<string, number>(), failed: string[] = [];
    const cases: NonNullable<ReturnType<typeof runCampaign>['counterexamples'][number]>[] = [];
    let found = 0;
    for (const seed of SEEDS) {
      const r = runCampaign({ family: family.name, factory: family.withFaults([fault.name]) as never, properties: family.properties as never, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
      const cx = r.counterexamples[0];
      if (!cx) continue;
      found++;
      runs.push(cx.runsBeforeFailure); ms.push(cx.msToDetect); len.push(cx.case.commands.length); failed.push(cx.property); cases.push(cx);
      props.set(cx.property, (props.get(cx.property) ?? 0) + 1);
    }
    missed += SEEDS.length - found;
    const by = [...props].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`).join(', ');
    const some = found > 0;
    const ex = explore(family, fault.name);
    // Per seed: its shrunk length over the minimum of the property it fails (see the header).
    let ratio = '-';
    if (some && ex.min !== null) {
      const mins = new Map<string, number | null>();
      for (const p of new Set(failed)) {
        const lens = len.filter((_, i) => failed[i] === p);
        mins.set(p, minimumFor(family, fault.name, p, Math.min(12, Math.max(ex.min, ...lens.map((l) => l - 1))), ex.min, Math.max(...lens)));
      }
      const per = len.map((l, i) => { const m = mins.get(failed[i]); return m === null || m === undefined ? null : l / Math.max(1, m); });
      if (per.every((x) => x !== null)) {
        const xs = per as number[];
        // A seed above 1.2: is its case the shortest in its own configuration? (Every shorter
        // sequence over the explorer's alphabet for that configuration and the case's own commands.)
        const proofs = xs.map((x, i) => (x > 1.2 ? shortestInOwnConfig(family, fault.name, cases[i]) : null));
        const unproven = proofs.filter((p) => p !== null && p !== 'shortest');
        ratio = `${median(xs).toFixed(2)} (${Math.max(...xs).toFixed(2)})`;
        if (proofs.some((p) => p !== null)) {
          ratio += unproven.length === 0 ? ': above 1.2 only where the case is a shortest in its own configuration' : `: above 1.2 and not shown shortest in its own configuration at ${unproven.length} seed(s) (${unproven.join('; ')})`;
          provenAbove.push(`${family.name}/${fault.name}`);
          if (unproven.length > 0) unprovenFaults.push(`${family.name}/${fault.name}`);
        }
        ratios.push(median(xs)); worst.push(Math.max(...xs));
      } else ratio = 'state bound';
    }
    const row = `| ${family.name} | ${fault.name} | ${found}/${SEEDS.length} | ${some ? median(runs) : '-'} | ${some ? Math.max(...runs) : '-'} | ${some ? f1(median(ms)) : '-'} | ${some ? f1(Math.max(...ms)) : '-'} | ${some ? median(len) : '-'} | ${some ? Math.max(...len) : '-'} | ${by} | ${ex.cell} | ${ratio} |`;
    rows.push(row);
    if (onlyFaults) process.stdout.write(`${row}\n`);
    references.push(`\`${family.name}/${fault.name}\`: ${fault.source}`);
    process.stderr.write(`${family.name}/${fault.name}: found ${found}/${SEEDS.length}\n`);
  }
}

const out = [
  '# Bug zoo: time to detection',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end (times are wall times: other work on the machine slows them). Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each fault alone, its family's default suite (${families.map((f) => `${f.name}: ${f.properties.length} properties`).join(', ')}), the default workload and budget (at most ${DEFAULT_RUNS.toLocaleString('en-US')} runs), seeds 1 to ${SEEDS.length}.`,
  'Runs: cases until the first failing one. Time: wall time of the search until that failure, before shrinking. Length: commands in the shrunk counterexample (fast-check\'s shrink, then the last pass of properties/minimize.ts: deletions, allocations merged, a deletion made up for by a bigger allocation; the search of properties/shorten.ts; and the move to a smaller world of properties/shrink-world.ts: the family\'s tiny configuration or a variant of it where a case as short or shorter fails alike; the fair drain that ends every run is not counted).',
  'Explore: `balloon explore` with the fault on, at the configuration of the family explorer\'s `faultsAt` entry (guests × pages, and a named variant of the tiny configuration: `--variant`), breadth-first up to that depth: the depth of the shortest failing case, the distinct states known when it was found, seconds. Shrink-optimality: per seed, the shrunk length divided by the breadth-first minimum for the property that seed\'s counterexample fails (the explorer at the same entry with that property alone, up to one command short of the longest shrunk case and at most 12, the minimum over every property where that search reaches its state bound: a case that fails `conformance` first is held to the shortest `conformance` failure, not to a shorter failure of another property that it does not show; where the explorer\'s shortest case for that property fails another one first under the whole suite, which no campaign\'s case can do, the shortest case over the entry\'s alphabet that fails it first; at least 1), median over the seeds (worst seed in brackets). The two lengths count commands of different alphabets in different configurations (the random workload\'s, the explorer\'s), so a ratio below 1 means the random workload\'s commands say more per command.',
  '',
  '| family | fault | found | runs (median) | runs (max) | ms (median) | ms (max) | shrunk length (median) | (max) | found by | explore (size, depth: states, time) | shrink / BFS |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every fault was found on every seed.' : `${missed} fault/seed pairs were NOT found.`,
  '',
  `Shrink-optimality is at most 1.2 for ${ratios.filter((x) => x <= 1.2).length} of the ${ratios.length} faults the explorer finds at the median over seeds${ratios.some((x) => x > 1.2) ? ` (above 1.2: ${ratios.filter((x) => x > 1.2).length})` : ''}, and for ${worst.filter((x) => x <= 1.2).length} of them at the worst seed${worst.some((x) => x > 1.2) ? ` (above 1.2: ${worst.filter((x) => x > 1.2).length})` : ''}.`,
  '',
  ...(provenAbove.length > 0 ? [`Above 1.2 at some seed: ${provenAbove.map((f) => `\`${f}\``).join(', ')}. ${unprovenFaults.length === 0 ? 'At every such seed the shrunk case is a shortest failing case in its own configuration (every shorter sequence over the explorer\'s alphabet for that configuration and the case\'s own commands tried, up to states merged by their key, none failing the same property first): the random workload drew a configuration (guest page size, floor, host page) in which this property needs more commands than in the explorer\'s, so the ratio there measures the configurations, not the shrinker.' : `Not shown shortest in its own configuration: ${unprovenFaults.map((f) => `\`${f}\``).join(', ')} (the cell says why).`}`, ''] : []),
  ...notes.flatMap((n) => [n, '']),
  `References: ${references.join('; ')}.`,
  '',
  'Rerun: `npm run bench:zoo` (ZOO_SEEDS sets the number of seeds, ZOO_FAMILIES a comma-separated list of families).',
  '',
];
if (onlyFaults) process.stderr.write('ZOO_FAULTS given: bench/ZOO.md not written\n');
else {
  writeFileSync(new URL('./ZOO.md', import.meta.url), out.join('\n'));
  process.stderr.write('wrote bench/ZOO.md\n');
}
