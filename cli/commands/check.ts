/**
 * `balloon check`: run the property campaign on an implementation and print a verdict per
 * property; a failure prints its shrunk counterexample, saves it as a trace file and exits 1.
 * `balloon conform` (conform.ts) is the same campaign with the conformance property alone.
 */
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { Property } from '../../properties/property.ts';
import { FAMILIES, propertiesByName, type AnyFamily } from '../../properties/index.ts';
import { runCampaignAsync, type CampaignReport, type Counterexample } from '../../properties/campaign.ts';
import { formatReplayCommand, saveTrace, traceFromCounterexample } from '../../traces/index.ts';
import { ensureOutputDir } from '../../traces/output-dir.ts';
import { DEFAULT_MAX_COMMANDS, DEFAULT_RUNS } from '../../properties/defaults.ts';
import { EXIT_FAILED, EXIT_OK, intFlag, UsageError } from '../errors.ts';
import { counterexampleText, summaryTable } from '../format.ts';
import { addFamilyOption, familiesFlag } from '../family-flag.ts';
import { addImplOptions, chooseImplementation, noteOutput, repeatable, type ImplFlags } from '../impl-flags.ts';
import { onInterrupt } from '../interrupt.ts';
import { viewedLine, viewTrace } from './view.ts';
import { formatReach } from '../../properties/reach/recorder.ts';

/** Where `check` and `conform` write shrunk counterexamples unless told otherwise (git-ignored). */
export const DEFAULT_OUT = 'traces/failures';

export interface CampaignFlags extends ImplFlags { family?: string[]; profile?: string; runs: string; seed?: string; json?: boolean; maxCommands: string; out: string; property?: string[]; html?: boolean; reach?: boolean }

/** A seed: --seed, else FC_SEED, else a fresh one from the clock (always printed, so any run can be repeated). */
export function chooseSeed(flag: string | undefined): number {
  if (flag !== undefined) return intFlag('--seed', flag, 0, 2 ** 31 - 1);
  if (process.env.FC_SEED) return intFlag('FC_SEED', process.env.FC_SEED, 0, 2 ** 31 - 1);
  return Date.now() % 2 ** 31;
}

/** The options check and conform share. */
export function addCampaignOptions(cmd: Command, runs: number): Command {
  cmd.option('--runs <n>', 'random cases to run', String(runs))
    .option('--seed <n>', 'fast-check seed (default: FC_SEED, else from the clock; always printed)')
    .option('--max-commands <n>', 'longest workload per case', String(DEFAULT_MAX_COMMANDS))
    .option('--out <dir>', 'where shrunk counterexamples are saved as trace files', DEFAULT_OUT)
    .option('--json', 'print the report as JSON')
    .option('--profile <name>', 'hold the runs to a profile of the family: virtio spec, linux (default) or firecracker (docs/virtio-spec.md); hyperv sheet (default) or careful (docs/families/hyperv.md); a family without that profile runs its default');
  return addImplOptions(addFamilyOption(cmd, true));
}

export function register(program: Command): void {
  addCampaignOptions(program.command('check')
    .description('run every property (or those named) on an implementation: the reference one by default')
    .addOption(new Option('--property <name>', 'check only this property (repeatable)').argParser(repeatable).default([])), DEFAULT_RUNS)
    .option('--html', 'beside each saved counterexample, write its trace viewer page (balloon view) and print the path')
    .option('--reach', 'also print, per family, how often each situation of its catalogue was reached and how many cases gave each property something to check')
    .action(async function (this: Command, flags: CampaignFlags) {
      const named = flags.property ?? [];
      // A property name may belong to some families only: each family checks those it has.
      const chosen = (f: AnyFamily) => (named.length === 0 ? f.properties : f.properties.filter((p) => named.includes(p.name)));
      const all = [...new Set(FAMILIES.flatMap((f) => f.properties))];
      try { propertiesByName(named, all); } catch (e) {
        throw new UsageError(`--property: ${(e as Error).message}`);
      }
      (this as Command & { exitCode?: number }).exitCode = await campaignCommand('check', flags, chosen);
    });
}

/**
 * The families a campaign runs: those named by --family, else every family; a user's module
 * implements one family (the first registered unless --family names it), and --fault names
 * faults of the families that have them.
 */
export function campaignFamilies(flags: CampaignFlags, chosen: (f: AnyFamily) => readonly Property[]): AnyFamily[] {
  const named = flags.family ?? [];
  let families = familiesFlag(named);
  if (named.length === 0 && flags.impl !== 'reference') families = [FAMILIES[0]];
  if (flags.impl !== 'reference' && families.length > 1) throw new UsageError('--impl: a module implements one family; name it with one --family');
  const faults = flags.fault ?? [];
  if (named.length === 0 && faults.length > 0) {
    const having = families.filter((f) => faults.every((n) => f.faults.some((x) => x.name === n)));
    // No family has them all: let the first say which are unknown.
    families = having.length > 0 ? having : [families[0]];
  }
  families = families.filter((f) => chosen(f).length > 0);
  if (families.length === 0) throw new UsageError(`--property: none of the named properties belongs to ${named.join(', ')}`);
  return families;
}

/**
 * Run a campaign from parsed flags, print it, save its traces; the exit code. Each counterexample
 * is saved as soon as it is shrunk (saveTrace writes a temporary file and renames it), so a
 * campaign stopped by Ctrl-C or SIGTERM keeps every one found; it then prints the summary so far,
 * marked interrupted, and returns 130 or 143 (cli/interrupt.ts).
 */
export async function campaignCommand(name: string, flags: CampaignFlags, chosen: (f: AnyFamily) => readonly Property[]): Promise<number> {
  const runs = intFlag('--runs', flags.runs, 1, 10_000_000);
  const seed = chooseSeed(flags.seed);
  const maxCommands = intFlag('--max-commands', flags.maxCommands, 1, 100_000);
  const families = campaignFamilies(flags, chosen);
  profileFlag(flags.profile, families);
  // Made last of the checks: a bad flag leaves no folder behind.
  outDirFlag(flags.out);
  const interrupt = onInterrupt();
  const reports: FamilyReport[] = [];
  try {
    for (const family of families) {
      const properties = chosen(family);
      const impl = await chooseImplementation(flags, family);
      try {
        if (!flags.json) {
          const on = impl.faults.length > 0 ? `, faults on: ${impl.faults.join(', ')}` : '';
          // The profile is named when one was asked for; without --profile each family runs its default (see --json).
          const prof = profileOfFamily(family, flags.profile) ? `, profile ${flags.profile}` : '';
          process.stdout.write(`balloon ${name}: family ${family.name}${prof}, ${properties.length} ${properties.length === 1 ? 'property' : 'properties'}, ${runs} runs, seed ${seed}, implementation ${impl.name}${on}\n`);
        }
        const saved = new Map<Counterexample, string>();
        const save = (cx: Counterexample) => saved.set(cx, saveTrace(flags.out, traceFromCounterexample(cx, { faults: impl.faults, impl: impl.name })));
        const report = await withProgress(runs, !!flags.json, (onRun) => runCampaignAsync({
          family: family.name, profile: profileOfFamily(family, flags.profile), factory: impl.factory, properties, runs, seed, maxCommands, onRun, onFailure: save, signal: interrupt.signal,
        }));
        const files = report.counterexamples.map((cx) => saved.get(cx)!);
        reports.push({ family: family.name, profile: family.profiles ? profileOfFamily(family, flags.profile) ?? family.profiles.default : null, impl: impl.name, report, files });
        if (flags.html) {
          const adapter = impl.name === 'reference' ? undefined : { path: impl.name, factory: impl.factory };
          for (const file of files) {
            const line = viewedLine(viewTrace(file, file.replace(/\.json$/, '.html'), { adapter }));
            (flags.json ? process.stderr : process.stdout).write(`${line}\n`);
          }
        }
      } finally {
        impl.stop();
        noteOutput(impl);
      }
      if (reportInterrupted(reports)) break;
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(jsonReport(reports, seed, runs, !!flags.reach), null, 2)}\n`);
    else printReport(reports, !!flags.reach, flags.impl);
    const failed = reports.some((r) => r.report.counterexamples.length > 0);
    return interrupt.exitCode() ?? (failed ? EXIT_FAILED : EXIT_OK);
  } finally {
    interrupt.dispose();
  }
}

/** One family's campaign in a check: its report and the trace files of its counterexamples. */
interface FamilyReport { family: string; profile: string | null; impl: string; report: CampaignReport; files: string[] }

const reportInterrupted = (reports: FamilyReport[]) => reports.some((r) => r.report.interrupted);

/**
 * --profile must name a profile of some family the campaign runs. The families that have that
 * profile are held to it; the others run their own default (virtio's `spec` is no Hyper-V profile).
 * With one family named, that family must have it.
 */
export function profileFlag(profile: string | undefined, families: readonly AnyFamily[]): void {
  if (profile === undefined) return;
  const having = families.filter((f) => f.profiles);
  const all = () => FAMILIES.filter((f) => f.profiles).map((f) => `${f.name} has: ${Object.keys(f.profiles!.names).join(', ')}`).join('; ');
  if (having.length === 0) throw new UsageError(`--profile: family ${families.map((f) => f.name).join(', ')} has no profiles (${all()})`);
  if (having.some((f) => profileOfFamily(f, profile))) return;
  const f = having[0];
  if (having.length === 1) throw new UsageError(`--profile: unknown profile "${profile}" of family ${f.name}; known: ${Object.keys(f.profiles!.names).join(', ')}`);
  throw new UsageError(`--profile: no family knows profile "${profile}" (${all()})`);
}

/** The profile `family` is held to under --profile `profile`: that one if it has it, else none (its default). */
export const profileOfFamily = (family: AnyFamily, profile: string | undefined): string | undefined =>
  profile !== undefined && family.profiles && Object.hasOwn(family.profiles.names, profile) ? profile : undefined;

/** --out must be a folder we can write to: checked before the campaign, not after it found something. */
export function outDirFlag(dir: string): void {
  try { ensureOutputDir(dir); } catch (e) { throw new UsageError(`--out ${(e as Error).message}`); }
}

type OnRun = (done: number, phase: 'search' | 'shrink') => void;

async function withProgress(runs: number, quiet: boolean, go: (onRun: OnRun) => Promise<CampaignReport>): Promise<CampaignReport> {
  const bar = process.stderr.isTTY && !quiet
    ? new SingleBar({ format: '  {bar} {value}/{total} runs {phase}', hideCursor: true, clearOnComplete: true, stream: process.stderr })
    : null;
  bar?.start(runs, 0, { phase: '' });
  // Rounds after a failure run only the cases still owed (properties/campaign.ts), so search
  // runs add up to `runs` over the whole campaign.
  let searched = 0;
  try {
    return await go((_n, phase) => {
      if (phase === 'search') searched = Math.min(runs, searched + 1);
      bar?.update(searched, { phase: phase === 'shrink' ? '(shrinking)' : '' });
    });
  } finally {
    bar?.stop();
  }
}

function printReport(reports: FamilyReport[], reach: boolean, impl: string): void {
  process.stdout.write(`${summaryTable(reports.map((r) => ({ family: r.family, report: r.report })))}\n`);
  if (reach) {
    for (const r of reports) {
      process.stdout.write(r.report.reach ? `\n${formatReach(r.family, r.report.reach)}\n` : `\nreach of family ${r.family}: it has no situation catalogue\n`);
    }
  }
  for (const { report, files } of reports) {
    report.counterexamples.forEach((cx, i) => {
      process.stdout.write(`\n${counterexampleText(cx)}\n  saved: ${files[i]}\n  replay: ${formatReplayCommand(files[i], impl)}\n`);
    });
  }
  const verdicts = reports.flatMap((r) => r.report.verdicts);
  const failed = reports.reduce((n, r) => n + r.report.counterexamples.length, 0);
  const n = verdicts.length;
  const ms = reports.reduce((t, r) => t + r.report.ms, 0);
  const seed = reports[0]?.report.seed;
  const fams = reports.length > 1 ? ` (${reports.length} families)` : '';
  const time = `in ${(ms / 1000).toFixed(1)}s (seed ${seed})`;
  if (reports.some((r) => r.report.interrupted) || reports.length === 0) {
    const open = verdicts.filter((v) => v.verdict === 'interrupted').length;
    process.stdout.write(`\nINTERRUPTED ${time}: ${failed} of ${n} properties FAILED so far, ${open} not checked to the end; ${failed > 0 ? 'counterexamples found were saved' : 'no counterexample found'}\n`);
    return;
  }
  const held = n === 1 ? 'the one property held' : `all ${n} properties held`;
  process.stdout.write(`\n${failed === 0 ? `${held}${fams}` : `${failed} of ${n} ${n === 1 ? 'property' : 'properties'} FAILED${fams}`} ${time}\n`);
}

function jsonReport(reports: FamilyReport[], seed: number, runs: number, reach: boolean) {
  const ms = reports.reduce((t, r) => t + r.report.ms, 0);
  const interrupted = reports.some((r) => r.report.interrupted);
  return {
    seed, runs, families: reports.map((r) => r.family),
    // Each family's profile (null for a family without profiles): what its verdicts were judged by.
    profiles: Object.fromEntries(reports.map((r) => [r.family, r.profile])),
    implementation: reports[0]?.impl ?? 'reference', ms: Math.round(ms),
    ok: reports.every((r) => r.report.counterexamples.length === 0) && !interrupted, interrupted,
    properties: reports.flatMap((r) => r.report.verdicts.map((v) => ({ family: r.family, ...v, ms: Math.round(v.ms) }))),
    counterexamples: reports.flatMap((r) => r.report.counterexamples.map((c, i) => ({
      family: r.family, property: c.property, trace: r.files[i], seed: c.seed, path: c.path, step: c.failure.step, phase: c.failure.phase,
      violation: c.failure.violation, config: c.case.config, commands: c.case.commands,
    }))),
    ...(reach ? { reach: reports.map((r) => ({ family: r.family, ...(r.report.reach ?? { cases: 0, situations: [], properties: [] }) })) } : {}),
  };
}
