/**
 * `npm run bench:campaign`: runs per second of `balloon campaign` with 1 and 2 worker threads on
 * this machine, measured side by side in one run: each round runs the same campaign (every family,
 * the reference implementation, the same seed) once with each worker count, in alternating order,
 * so the machine's load falls on both alike. The time counted is the whole shard (pool start-up,
 * which loads tsx in each thread from the sources, included), as a user waits for it. The ratio is
 * the result; absolute figures are this machine's at that moment. Writes bench/CAMPAIGN.md.
 * CAMPAIGN_RUNS (per family, default 1000) and CAMPAIGN_ROUNDS (default 3) change the size.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { FAMILIES } from '../properties/families.ts';
import { WHOLE } from '../properties/shard.ts';
import { runShard } from '../cli/campaign/pool.ts';
import { DEFAULT_CHUNK } from '../cli/commands/campaign.ts';
import { DEFAULT_MAX_COMMANDS } from '../properties/defaults.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.CAMPAIGN_RUNS ?? 1000);
const ROUNDS = Number(process.env.CAMPAIGN_ROUNDS ?? 3);
const WORKERS = [1, 2];
const families = FAMILIES.map((f) => f.name);
const scratch = mkdtempSync(join(tmpdir(), 'balloon-bench-campaign-'));

interface Sample { runs: number; steps: number; ms: number; cpuMs: number }
const samples = new Map<number, Sample[]>(WORKERS.map((w) => [w, []]));
const load0 = loadavg()[0];

async function measure(workers: number): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const o = await runShard({
    plan: { seed: 1, families, chunk: DEFAULT_CHUNK, runsPerFamily: RUNS, shard: WHOLE },
    faults: [], properties: null, maxCommands: DEFAULT_MAX_COMMANDS, workers, timeMs: null,
    tracesDir: join(scratch, 'traces'), signal: new AbortController().signal,
  });
  if (o.failures.length > 0) throw new Error(`the reference implementation failed ${o.failures[0].property}: not a benchmark`);
  // process.cpuUsage counts every thread of the process: the workers' CPU time, start-up included.
  const cpu = process.cpuUsage(cpu0);
  return { runs: o.units.reduce((n, u) => n + u.runs, 0), steps: o.units.reduce((n, u) => n + u.steps, 0), ms: o.ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? WORKERS : [...WORKERS].reverse();
    for (const w of order) {
      const s = await measure(w);
      samples.get(w)!.push(s);
      process.stderr.write(`round ${round + 1}: ${w} worker(s): ${s.runs} runs in ${(s.ms / 1000).toFixed(1)} s, ${(s.cpuMs / 1000).toFixed(1)} s CPU\n`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const rps = (w: number) => median(samples.get(w)!.map((s) => (s.runs / s.ms) * 1000));
const sps = (w: number) => median(samples.get(w)!.map((s) => (s.steps / s.ms) * 1000));
const cpu = (w: number) => median(samples.get(w)!.map((s) => s.cpuMs / 1000));
const wall = (w: number) => median(samples.get(w)!.map((s) => s.ms / 1000));
const rows = WORKERS.map((w) => `| ${w} | ${samples.get(w)![0].runs} | ${rps(w).toFixed(1)} | ${sps(w).toFixed(0)} | ${wall(w).toFixed(1)} | ${cpu(w).toFixed(1)} | ${(cpu(w) / wall(w)).toFixed(2)} | ${(rps(w) / rps(1)).toFixed(2)} |`);
const load1 = loadavg()[0];
const out = [
  '# Campaign throughput: 1 and 2 worker threads',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, shared with other work (load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end). Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each of ${ROUNDS} rounds runs the same campaign (families ${families.join(', ')}, ${RUNS} runs per family in units of ${DEFAULT_CHUNK}, seed 1, the reference implementation) once with each worker count, alternating which goes first (npm run bench:campaign). Wall time includes the pool's start-up. Medians over the rounds.`,
  '',
  '| workers | runs | runs/s | steps/s | wall s | CPU s | cores used (CPU / wall) | runs/s against 1 worker |',
  '|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `Two workers ran ${(rps(2) / rps(1)).toFixed(2)} times as many runs per second as one here. The process used ${(cpu(1) / wall(1)).toFixed(2)} of a core with one worker and ${(cpu(2) / wall(2)).toFixed(2)} with two: when other work saturates the cores (the load average above), a second thread adds no CPU, and what it costs (${(cpu(2) - cpu(1)).toFixed(1)} s of CPU more in all here, most of it, we believe, the new thread loading tsx and the sources anew) is pure loss. With idle cores the ceiling is 2, and the start-up is paid once per thread: a campaign of hours amortizes it, a few thousand runs do not.`,
  '',
].join('\n');
writeFileSync(join(ROOT, 'bench', 'CAMPAIGN.md'), out);
process.stdout.write(out);
