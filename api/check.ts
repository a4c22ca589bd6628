/**
 * Checking an implementation from code, without the command line: one family's properties on
 * a factory, over seeded random workloads, each counterexample shrunk and saved as a trace file,
 * and a message per failure that can be pasted back (the seed, fast-check's path, the file and
 * the command that replays it). `balloon-testbed/vitest` (vitest.ts) builds its tests on this; any
 * other test runner can call it directly.
 */
import type { SystemFactory } from '../core/virtio/index.ts';
import { familyByName, propertiesByName, type AnyFamily } from '../properties/index.ts';
import { runCampaign, type CampaignReport, type Counterexample } from '../properties/campaign.ts';
import { DEFAULT_MAX_COMMANDS } from '../properties/defaults.ts';
import { formatReplayCommand, saveTrace, traceFromCounterexample } from '../traces/index.ts';

export interface CheckOptions {
  /** Random cases per property. Default 100. */
  runs?: number;
  /** The campaign's seed. Default: FC_SEED when set, else one from the clock (every message says which). */
  seed?: number;
  /** Longest workload per case, in commands. Default 80, as `balloon check`. */
  maxCommands?: number;
  /** Check only these properties (names as `balloon list` prints them). Default: all of the family's. */
  properties?: readonly string[];
  /** Where counterexamples are saved as trace files. Default `traces/failures` (relative to the working directory). */
  out?: string;
  /**
   * The path of the module whose default export is the factory, as you would pass it to
   * `balloon replay --impl`: recorded in each trace and used in the replay command printed.
   */
  module?: string;
}

/** One property that failed: the counterexample, the trace file it was saved to, a message to print. */
export interface CheckFailure {
  property: string;
  counterexample: Counterexample;
  file: string;
  message: string;
}

export interface CheckResult {
  family: string;
  seed: number;
  report: CampaignReport;
  failures: CheckFailure[];
}

/** The seed a check uses when none is given: FC_SEED, else the clock (printed in every failure). */
export function defaultSeed(): number {
  const env = process.env.FC_SEED;
  if (env !== undefined && /^\d+$/.test(env) && Number(env) < 2 ** 31) return Number(env);
  return Date.now() % 2 ** 31;
}

/**
 * Run `family`'s properties (or those `o.properties` names) on `factory`.
 *
 * @example
 *   const { failures } = checkImplementation('virtio', createSystem, { runs: 200, seed: 1, module: './my-adapter.ts' });
 *   for (const f of failures) console.error(f.message);
 */
export function checkImplementation(family: string | AnyFamily, factory: SystemFactory, o: CheckOptions = {}): CheckResult {
  const fam = typeof family === 'string' ? familyByName(family) : family;
  const seed = o.seed ?? defaultSeed();
  const properties = o.properties ? propertiesByName(o.properties, fam.properties) : fam.properties;
  const out = o.out ?? 'traces/failures';
  const impl = o.module ?? `vitest:${factory.name || 'factory'}`;
  const failures: CheckFailure[] = [];
  const report = runCampaign({
    family: fam.name, factory, properties, seed, runs: o.runs ?? 100, maxCommands: o.maxCommands ?? DEFAULT_MAX_COMMANDS,
    onFailure: (cx) => {
      const file = saveTrace(out, traceFromCounterexample(cx, { impl }));
      failures.push({ property: cx.property, counterexample: cx, file, message: failureMessage(fam, cx, file, o.module) });
    },
  });
  return { family: fam.name, seed, report, failures };
}

/**
 * What a failure says: the property and how it was violated, how to run the same check again
 * (the seed) and fast-check's replay pair, where the trace is and how to replay it, then the
 * shrunk steps with the failing one marked.
 */
export function failureMessage(family: AnyFamily, cx: Counterexample, file: string, module?: string): string {
  const { failure, case: c } = cx;
  const fmt = (x: typeof c.commands[number]) => family.formatCommand(x);
  const lines = [
    `${family.name}: ${cx.property} failed after ${cx.runsBeforeFailure} run(s): ${failure.violation.message}`,
    `  seed: ${cx.seed} (pass { seed: ${cx.seed} } to check the same cases again; fast-check: { seed: ${cx.roundSeed}, path: "${cx.path}" })`,
    `  trace: ${file}`,
    `  replay: ${formatReplayCommand(file)} --impl ${module ?? '<the module that exports your factory>'}`,
    ...family.describeConfig(c.config).map((l: string) => `  ${l}`),
    `  steps (shrunk ${cx.shrinks} time(s) to ${c.commands.length}):`,
    ...c.commands.map((cmd, i) => `  ${i === failure.step ? '>>' : '  '} ${String(i).padStart(3)}  ${fmt(cmd)}`),
  ];
  if (failure.step >= c.commands.length) lines.push(`  >> ${String(failure.step).padStart(3)}  ${failure.command ? fmt(failure.command) : ''}   (during the final fair drain)`);
  if (failure.step < 0) lines.push(`  >>  end  (after the final fair drain: ${failure.phase})`);
  return lines.join('\n');
}
