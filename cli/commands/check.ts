/**
 * `balloon check`: run the property campaign on an implementation and print a verdict per
 * property; a failure prints its shrunk counterexample and exits 1.
 */
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { createReferenceSystem, faultNames, referenceWithFaults, type FaultName } from '../../impl/index.ts';
import { allProperties, propertiesByName } from '../../properties/index.ts';
import { runCampaign, type CampaignReport } from '../../properties/campaign.ts';
import { EXIT_FAILED, EXIT_OK, intFlag, UsageError } from '../errors.ts';
import { counterexampleText, summaryTable } from '../format.ts';
import { formatReplayCommand, saveTrace, traceFromCounterexample } from '../../traces/index.ts';

export const DEFAULT_RUNS = 10_000;

export interface CheckFlags { runs: string; seed?: string; property: string[]; fault: string[]; json?: boolean; maxCommands: string; out: string }

/** Where `check` and `conform` write shrunk counterexamples unless told otherwise (git-ignored). */
export const DEFAULT_OUT = 'traces/failures';

const repeatable = (v: string, prev: string[]) => [...prev, v];

/** The faults named by --fault, checked against the catalogue. */
export function faultsFlag(names: string[]): FaultName[] {
  for (const n of names) {
    if (!(faultNames as string[]).includes(n)) throw new UsageError(`--fault: unknown fault ${JSON.stringify(n)}; known: ${faultNames.join(', ')}`);
  }
  return names as FaultName[];
}

/** A seed: --seed, else FC_SEED, else a fresh one from the clock (always printed, so any run can be repeated). */
export function chooseSeed(flag: string | undefined): number {
  if (flag !== undefined) return intFlag('--seed', flag, 0, 2 ** 31 - 1);
  if (process.env.FC_SEED) return intFlag('FC_SEED', process.env.FC_SEED, 0, 2 ** 31 - 1);
  return Date.now() % 2 ** 31;
}

export function register(program: Command): void {
  program.command('check')
    .description('run every property (or those named) on the reference implementation')
    .option('--runs <n>', 'random cases to run', String(DEFAULT_RUNS))
    .option('--seed <n>', 'fast-check seed (default: FC_SEED, else from the clock; always printed)')
    .addOption(new Option('--property <name>', 'check only this property (repeatable)').argParser(repeatable).default([]))
    .addOption(new Option('--fault <name>', 'switch on a bug-zoo fault in the reference implementation (repeatable; see balloon list)').argParser(repeatable).default([]))
    .option('--max-commands <n>', 'longest workload per case', '80')
    .option('--out <dir>', 'where shrunk counterexamples are saved as trace files', DEFAULT_OUT)
    .option('--json', 'print the report as JSON')
    .action(function (this: Command, flags: CheckFlags) {
      const runs = intFlag('--runs', flags.runs, 1, 10_000_000);
      const seed = chooseSeed(flags.seed);
      const maxCommands = intFlag('--max-commands', flags.maxCommands, 1, 100_000);
      let properties = allProperties;
      try { if (flags.property.length > 0) properties = propertiesByName(flags.property); } catch (e) {
        throw new UsageError(`--property: ${(e as Error).message}`);
      }
      const faults = faultsFlag(flags.fault);
      const report = checkWithProgress({ runs, seed, maxCommands, properties, faults, json: !!flags.json });
      const saved = report.counterexamples.map((cx) =>
        saveTrace(flags.out, traceFromCounterexample(cx, properties.map((p) => p.name), { faults })));
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonReport(report, saved), null, 2)}\n`);
      else printReport(report, saved);
      (this as Command & { exitCode?: number }).exitCode = report.counterexamples.length > 0 ? EXIT_FAILED : EXIT_OK;
    });
}

function checkWithProgress(o: { runs: number; seed: number; maxCommands: number; properties: typeof allProperties; faults: FaultName[]; json: boolean }): CampaignReport {
  if (!o.json) {
    const on = o.faults.length > 0 ? `, faults on: ${o.faults.join(', ')}` : '';
    process.stdout.write(`balloon check: ${o.properties.length} properties, ${o.runs} runs, seed ${o.seed}${on}\n`);
  }
  const bar = process.stderr.isTTY && !o.json
    ? new SingleBar({ format: '  {bar} {value}/{total} runs {phase}', hideCursor: true, clearOnComplete: true, stream: process.stderr })
    : null;
  bar?.start(o.runs, 0, { phase: '' });
  let searched = 0;
  const report = runCampaign({
    factory: o.faults.length > 0 ? referenceWithFaults(o.faults) : createReferenceSystem, properties: o.properties, runs: o.runs, seed: o.seed, maxCommands: o.maxCommands,
    onRun: (_n, phase) => {
      if (phase === 'search') searched = Math.min(o.runs, searched + 1);
      bar?.update(searched, { phase: phase === 'shrink' ? '(shrinking)' : '' });
    },
    onFailure: () => { searched = 0; },
  });
  bar?.stop();
  return report;
}

function printReport(r: CampaignReport, saved: string[]): void {
  process.stdout.write(`${summaryTable(r)}\n`);
  r.counterexamples.forEach((cx, i) => {
    process.stdout.write(`\n${counterexampleText(cx)}\n  saved: ${saved[i]}\n  replay: ${formatReplayCommand(saved[i])}\n`);
  });
  const failed = r.counterexamples.length;
  process.stdout.write(`\n${failed === 0 ? `all ${r.verdicts.length} properties held` : `${failed} of ${r.verdicts.length} properties FAILED`} in ${(r.ms / 1000).toFixed(1)}s (seed ${r.seed})\n`);
}

function jsonReport(r: CampaignReport, saved: string[]) {
  return {
    seed: r.seed, runs: r.runs, ms: Math.round(r.ms), ok: r.counterexamples.length === 0,
    properties: r.verdicts.map((v) => ({ ...v, ms: Math.round(v.ms) })),
    counterexamples: r.counterexamples.map((c, i) => ({
      property: c.property, trace: saved[i], seed: c.seed, path: c.path, step: c.failure.step, phase: c.failure.phase,
      violation: c.failure.violation, config: c.case.config, commands: c.case.commands,
    })),
  };
}
