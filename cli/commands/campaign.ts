/**
 * `balloon campaign`: a long bug hunt on every core, and on many machines, in the reference
 * implementation (with zoo faults) or a user's module (`--impl`). The run budget (per
 * family) or time budget is cut into units (properties/shard.ts), run on `--workers` threads
 * (cli/campaign/pool.ts); `--shard I/N` runs one N-th of them, so N machines (a CI matrix, a
 * Kubernetes Indexed Job: deploy/) together run exactly what one would, and `balloon merge`
 * brings their reports back together. Writes `<out>/campaign-seed<S>-shard<I>of<N>.json` and each
 * failure's trace in `<out>/traces/` as soon as it is shrunk. Exit 0 when nothing failed, 1 when
 * something did or a worker thread failed (a partial report, saying why), 2 for unusable input,
 * 130/143 when stopped (a partial report is written first).
 */
import { availableParallelism } from 'node:os';
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { FAMILIES, propertiesByName, type AnyFamily } from '../../properties/index.ts';
import { DEFAULT_MAX_COMMANDS, DEFAULT_RUNS } from '../../properties/defaults.ts';
import { parseShard, WHOLE, type Plan, type Shard } from '../../properties/shard.ts';
import { EXIT_FAILED, EXIT_OK, intFlag, UsageError } from '../errors.ts';
import { addFamilyOption } from '../family-flag.ts';
import { chooseImplementation, repeatable, STEP_TIMEOUT_HELP } from '../impl-flags.ts';
import { onInterrupt } from '../interrupt.ts';
import { campaignFamilies, chooseSeed, outDirFlag } from './check.ts';
import { runShard } from '../campaign/pool.ts';
import { buildReport, reportFileName, writeReport, type CampaignSettings } from '../campaign/report.ts';
import { jsonSummary, summaryText } from '../campaign/summary.ts';
import { progressDisplay } from '../campaign/progress.ts';

/** Where reports go unless `--out` says otherwise (git-ignored). */
export const DEFAULT_CAMPAIGN_OUT = 'reports/campaign';
/** Runs per unit: big enough that a unit's start-up is noise, small enough to spread over workers. */
export const DEFAULT_CHUNK = 100;

interface Flags {
  family: string[]; fault: string[]; property: string[]; impl: string; stepTimeout?: string | boolean; time?: string; runs?: string; workers?: string; shard?: string;
  seed?: string; out: string; json?: boolean; chunk: string; maxCommands: string;
}

/**
 * A duration: `90s`, `10m`, `2h`, `1h30m`, `500ms`, or a bare number of seconds; in ms.
 *
 * @example parseDuration('1h30m') // 5_400_000
 */
export function parseDuration(text: string): number {
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  // Each unit at most once, largest first (1h30m, not 1m1m or 30m1h).
  const order = ['h', 'm', 's', 'ms'];
  const ranks = parts.map((p) => order.indexOf(p[2]));
  const ordered = ranks.every((r, i) => i === 0 || r > ranks[i - 1]);
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== t || !ordered) throw new UsageError(`--time: expected a duration such as 90s, 10m, 2h or 1h30m, got ${JSON.stringify(text)}`);
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * unit[p[2] as keyof typeof unit], 0));
}

export function register(program: Command): void {
  addFamilyOption(program.command('campaign'), true)
    .description('a long bug hunt: every property of every family over a run or time budget, on worker threads, cut into shards for many machines')
    .option('--runs <n>', `random cases per family (default ${DEFAULT_RUNS} unless --time is given)`)
    .option('--time <duration>', 'run until this much time has passed (90s, 10m, 2h, 1h30m): no new unit starts after it')
    .option('--workers <n>', `worker threads (default: this machine's ${availableParallelism()})`)
    .option('--shard <i/n>', 'run shard I of N (1-based): N shards together run what one campaign runs', '1/1')
    .option('--seed <n>', 'campaign seed (default: FC_SEED, else from the clock; always printed); every shard must get the same')
    .option('--out <dir>', 'where the report and the failures\' traces are written', DEFAULT_CAMPAIGN_OUT)
    .option('--chunk <n>', 'runs per unit of work (part of what the campaign is: shards to merge need the same)', String(DEFAULT_CHUNK))
    .option('--max-commands <n>', 'longest workload per case', String(DEFAULT_MAX_COMMANDS))
    .addOption(new Option('--property <name>', 'check only this property (repeatable)').argParser(repeatable).default([]))
    .addOption(new Option('--fault <name>', 'switch on a bug-zoo fault in the reference implementation (repeatable; see balloon list)').argParser(repeatable).default([]))
    .option('--impl <module>', 'the implementation to hunt in: "reference" or a .ts/.js module implementing the family named by --family (docs/ADAPTERS.md); each worker thread opens it once', 'reference')
    .option('--step-timeout [ms]', STEP_TIMEOUT_HELP)
    .option('--json', 'print the summary as JSON')
    .action(async function (this: Command, flags: Flags) {
      (this as Command & { exitCode?: number }).exitCode = await campaign(flags);
    });
}

async function campaign(flags: Flags): Promise<number> {
  if (flags.time !== undefined && flags.runs !== undefined) throw new UsageError('--time and --runs: give one budget, not both');
  const timeMs = flags.time === undefined ? null : parseDuration(flags.time);
  if (timeMs !== null && (timeMs < 1 || timeMs > 30 * 86_400_000)) throw new UsageError(`--time: ${flags.time} is outside 1ms to 30 days`);
  const runs = timeMs === null ? intFlag('--runs', flags.runs ?? String(DEFAULT_RUNS), 1, 1_000_000_000) : null;
  const workers = flags.workers === undefined ? availableParallelism() : intFlag('--workers', flags.workers, 1, 256);
  let shard: Shard = WHOLE;
  try { shard = parseShard(flags.shard ?? '1/1'); } catch (e) { throw new UsageError(`--shard: ${(e as Error).message}`); }
  const chunk = intFlag('--chunk', flags.chunk, 1, 1_000_000);
  const maxCommands = intFlag('--max-commands', flags.maxCommands, 1, 100_000);
  // Shards on different machines must run one campaign: a seed from each one's clock would not.
  if (shard.count > 1 && flags.seed === undefined && !process.env.FC_SEED) throw new UsageError(`--shard ${shard.index}/${shard.count}: give every shard the same --seed (or FC_SEED)`);
  const seed = chooseSeed(flags.seed);
  const named = flags.property;
  const all = [...new Set(FAMILIES.flatMap((f) => f.properties))];
  try { propertiesByName(named, all); } catch (e) { throw new UsageError(`--property: ${(e as Error).message}`); }
  const chosen = (f: AnyFamily) => (named.length === 0 ? f.properties : f.properties.filter((p) => named.includes(p.name)));
  const families = campaignFamilies({ family: flags.family, fault: flags.fault, impl: flags.impl, runs: '', maxCommands: '', out: flags.out }, chosen);
  if (flags.impl !== 'reference') {
    // Opened once here, so an unusable module is one line and exit 2 before any worker starts
    // (each worker thread then opens it again for itself).
    const probe = await chooseImplementation({ impl: flags.impl, stepTimeout: flags.stepTimeout, fault: flags.fault }, families[0]);
    probe.stop();
  }
  // A fault belongs to the families whose zoo has it (campaignFamilies kept those).
  const faults = [...new Set(flags.fault)];
  for (const f of families) for (const n of faults) {
    if (!f.faults.some((x) => x.name === n)) throw new UsageError(`--fault: unknown ${f.name} fault ${JSON.stringify(n)} (known: ${f.faults.map((x) => x.name).join(', ')})`);
  }
  outDirFlag(flags.out);

  const settings: CampaignSettings = {
    seed, families: families.map((f) => f.name), faults, impl: flags.impl, properties: named.length === 0 ? null : [...new Set(named)], chunk, maxCommands,
    budget: runs === null ? { timeMs: timeMs! } : { runs },
  };
  const plan: Plan = { seed, families: settings.families, chunk, runsPerFamily: runs, shard };
  const budget = runs === null ? `for ${flags.time}` : `${runs} runs per family`;
  const say = (s: string) => (flags.json ? process.stderr : process.stdout).write(`${s}\n`);
  say(`balloon campaign: ${settings.families.join(', ')}, ${budget} in units of ${chunk}, seed ${seed}, shard ${shard.index}/${shard.count}, ${workers} worker(s)${faults.length ? `, faults on: ${faults.join(', ')}` : ''}, implementation ${flags.impl}`);

  const interrupt = onInterrupt();
  try {
    const display = progressDisplay(!!flags.json);
    let outcome;
    try {
      outcome = await runShard({
        plan, faults, properties: settings.properties, maxCommands, impl: flags.impl, stepTimeout: flags.stepTimeout, workers, timeMs, tracesDir: join(flags.out, 'traces'),
        signal: interrupt.signal, onProgress: display.update,
      });
    } finally {
      display.stop();
    }
    const report = buildReport({
      settings, shards: [shard], interrupted: outcome.interrupted, partial: outcome.interrupted || outcome.error !== null,
      ...(outcome.error !== null ? { error: outcome.error } : {}),
      units: outcome.units, failures: outcome.failures, ms: outcome.ms, workers,
    });
    const path = writeReport(flags.out, reportFileName(settings, shard), report);
    if (flags.json) process.stdout.write(`${JSON.stringify(jsonSummary(report, flags.out, path), null, 2)}\n`);
    else process.stdout.write(`${summaryText(report, flags.out, path)}\n`);
    if (outcome.error !== null) process.stderr.write(`balloon: campaign stopped: ${outcome.error}; the partial report holds the units finished before\n`);
    return interrupt.exitCode() ?? (report.failures.length > 0 || outcome.error !== null ? EXIT_FAILED : EXIT_OK);
  } finally {
    interrupt.dispose();
  }
}
