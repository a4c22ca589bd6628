/**
 * A seeded Hyper-V campaign on the shared runner (as properties/xen/check.ts): fast-check
 * generates workloads for one configuration, runCase judges each, and a failure is shrunk to a
 * short list of commands. Same seed, same result.
 */
import fc from 'fast-check';
import { formatHvCommand, type HvCommand, type HvSystemConfig } from '../../core/hyperv/index.ts';
import type { HvSystemUnderTest } from '../../impl/hyperv/index.ts';
import { runCase, type Failure } from '../runner.ts';
import type { AnyProperty } from '../property.ts';
import { hvCheckConfig, hvCommandsArb } from './workload.ts';

export type HvFactory = (config: HvSystemConfig) => Pick<HvSystemUnderTest, 'apply' | 'observe'>;

export interface HvCheckOptions {
  factory: HvFactory;
  properties: readonly AnyProperty[];
  config?: HvSystemConfig;
  seed?: number;
  runs?: number;
  maxCommands?: number;
}

export interface HvCheckResult { ok: boolean; seed: number; runs: number; commands?: HvCommand[]; failure?: Failure }

export function runHvCase(factory: HvFactory, config: HvSystemConfig, commands: readonly HvCommand[], properties: readonly AnyProperty[]) {
  return runCase(factory as never, config as never, commands as never, properties);
}

export function checkHv(o: HvCheckOptions): HvCheckResult {
  const config = o.config ?? hvCheckConfig();
  const seed = o.seed ?? 42;
  const runs = o.runs ?? 100;
  const prop = fc.property(hvCommandsArb(config, o.maxCommands ?? 60), (cmds) => runHvCase(o.factory, config, cmds, o.properties).failure === null);
  const r = fc.check(prop, { seed, numRuns: runs });
  if (!r.failed || !r.counterexample) return { ok: true, seed, runs };
  const commands = r.counterexample[0];
  const failure = runHvCase(o.factory, config, commands, o.properties).failure ?? undefined;
  return { ok: false, seed, runs, commands, failure };
}

export function formatHvFailure(r: HvCheckResult): string {
  if (r.ok || !r.failure) return `hyperv: ${r.runs} runs passed (seed ${r.seed})`;
  const f = r.failure;
  const lines = [`hyperv: ${f.property} failed ${f.step < 0 ? 'at the end of the run' : `at step ${f.step}`} (seed ${r.seed}): ${f.violation.message}`];
  (r.commands ?? []).forEach((c, i) => lines.push(`${String(i).padStart(3)}  ${formatHvCommand(c)}${i === f.step ? '   <- here' : ''}`));
  return lines.join('\n');
}
