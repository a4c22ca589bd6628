/**
 * A seeded VirtualBox campaign on the shared runner (properties/runner.ts, which takes VirtualBox's fair
 * drain and summaries from the family value): fast-check generates cases (configurations with
 * their CPU counts, and commands), runCase judges each, and a failure is shrunk to a
 * short list of commands. Same seed, same result.
 */
import fc from 'fast-check';
import type { VboxCommand, VboxObservation, VboxStepResult, VboxSystemConfig } from '../../core/virtualbox/index.ts';
import type { AnyProperty } from '../property.ts';
import { runCase, type Failure } from '../runner.ts';
import { vboxCaseArb, type VboxCase } from './workload.ts';

export type VboxFactory = (config: VboxSystemConfig) => { apply(c: VboxCommand): VboxStepResult; observe(): VboxObservation };

export interface VboxCheckOptions {
  factory: VboxFactory;
  properties: readonly AnyProperty[];
  /** A fixed configuration; generated when absent. */
  config?: VboxSystemConfig;
  seed?: number;
  runs?: number;
  maxCommands?: number;
}

export interface VboxCheckResult {
  ok: boolean;
  seed: number;
  runs: number;
  /** The shrunk counterexample and its failure, when one was found. */
  case?: VboxCase;
  failure?: Failure;
}

/** One case on the shared runner. */
export function runVboxCase(factory: VboxFactory, c: VboxCase, properties: readonly AnyProperty[]) {
  return runCase(factory as never, c.config as never, c.commands as never, properties);
}

export function checkVbox(o: VboxCheckOptions): VboxCheckResult {
  const seed = o.seed ?? 42;
  const runs = o.runs ?? 100;
  const prop = fc.property(vboxCaseArb(o.config, o.maxCommands ?? 60), (c) => runVboxCase(o.factory, c, o.properties).failure === null);
  const r = fc.check(prop, { seed, numRuns: runs });
  if (!r.failed || !r.counterexample) return { ok: true, seed, runs };
  const c = r.counterexample[0];
  const failure = runVboxCase(o.factory, c, o.properties).failure ?? undefined;
  return { ok: false, seed, runs, case: c, failure };
}
