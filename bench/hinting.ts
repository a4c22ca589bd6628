/**
 * `npx tsx bench/hinting.ts`: for every seeded fault of the free page hinting testbed
 * (impl/virtio/hinting.ts), over 20 seeds, how many runs and how much wall time the hinting
 * properties need to find it, how long the shrunk counterexample is, and which property found it;
 * and the reference's throughput. Writes bench/HINTING.md. (The rows join bench/ZOO.md once hinting
 * is part of `balloon check --family virtio`.)
 *
 *   HINT_SEEDS=5 npx tsx bench/hinting.ts
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { HINT_FAULTS, hintFaultNames } from '../impl/virtio/hinting.ts';
import { checkHinting } from '../properties/virtio/hinting/run.ts';

const SEEDS = Array.from({ length: Number(process.env.HINT_SEEDS ?? 20) }, (_, i) => i + 1);
const BUDGET = 2000;
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const rows: string[] = [];
for (const name of hintFaultNames) {
  const runs: number[] = []; const ms: number[] = []; const len: number[] = []; const by = new Map<string, number>();
  for (const seed of SEEDS) {
    const t = performance.now();
    const r = checkHinting({ seed, runs: BUDGET, faults: { [name]: true } });
    if (!r.failure) continue;
    ms.push(performance.now() - t); runs.push(r.numRuns); len.push(r.failure.program.length);
    by.set(r.failure.property, (by.get(r.failure.property) ?? 0) + 1);
  }
  rows.push(`| ${name} | ${runs.length}/${SEEDS.length} | ${median(runs)} | ${Math.max(...runs)} | ${median(ms).toFixed(1)} | ${median(len)} | ${Math.max(...len)} | ${[...by].map(([p, n]) => `${p} (${n})`).join(', ')} | ${HINT_FAULTS[name].reference} |`);
  console.log(rows.at(-1));
}
const t = performance.now();
const clean = SEEDS.map((seed) => checkHinting({ seed, runs: 100 }));
const perRun = (performance.now() - t) / (SEEDS.length * 100);
const falseAlarms = clean.filter((r) => r.failure).length;

writeFileSync('bench/HINTING.md', `# Free page hinting: time to detection

Machine: ${cpus().length} × ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'cpu'}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end (wall times: other work on the machine slows them). Date: ${new Date().toISOString().slice(0, 10)}.
Each fault alone, the hinting properties (hint-contract, hint-chart, hint-data-oracle, hint-device-drops), the default hinting workload (properties/virtio/hinting/run.ts, 8 guest pages, profile linux) and at most ${BUDGET} runs, seeds 1 to ${SEEDS.length}.
Runs: cases until the first failing one. Time: wall time of the search and fast-check's shrink. Length: commands in the shrunk counterexample.

| fault | found | runs (median) | runs (max) | ms (median) | shrunk length (median) | (max) | found by | source |
|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

The reference, no fault, ${SEEDS.length} seeds of 100 runs: ${falseAlarms} seeds with a violation; ${perRun.toFixed(2)} ms a run (properties included).
`);
console.log(`reference: ${falseAlarms} false alarms, ${perRun.toFixed(2)} ms a run`);
