/**
 * A seeded VMware campaign on the shared runner (properties/runner.ts, which takes VMware's fair
 * drain and summaries from the family value): fast-check generates cases (configurations with
 * their granted capabilities, and commands), runCase judges each, and a failure is shrunk to a
 * short list of commands. Same seed, same result.
 */
import fc from 'fast-check';
import type { VmwCommand, VmwObservation, VmwStepResult, VmwSystemConfig } from '../../core/vmware/index.ts';
import type { AnyProperty } from '../property.ts';
import { runCase, type Failure } from '../runner.ts';
import { vmwCaseArb, type VmwCase } from './workload.ts';

export type VmwFactory = (config: VmwSystemConfig) => { apply(c: VmwCommand): VmwStepResult; observe(): VmwObservation };

export interface VmwCheckOptions {
  factory: VmwFactory;
  properties: readonly AnyProperty[];
  /** A fixed configuration; generated when absent. */
  config?: VmwSystemConfig;
  seed?: number;
  runs?: number;
  maxCommands?: number;
}

export interface VmwCheckResult {
  ok: boolean;
  seed: number;
  runs: number;
  /** The shrunk counterexample and its failure, when one was found. */
  case?: VmwCase;
  failure?: Failure;
}

/** One case on the shared runner. */
export function runVmwCase(factory: VmwFactory, c: VmwCase, properties: readonly AnyProperty[]) {
  return runCase(factory as never, c.config as never, c.commands as never, properties);
}

export function checkVmw(o: VmwCheckOptions): VmwCheckResult {
  const seed = o.seed ?? 42;
  const runs = o.runs ?? 100;
  const prop = fc.property(vmwCaseArb(o.config, o.maxCommands ?? 60), (c) => runVmwCase(o.factory, c, o.properties).failure === null);
  const r = fc.check(prop, { seed, numRuns: runs });
  if (!r.failed || !r.counterexample) return { ok: true, seed, runs };
  const c = r.counterexample[0];
  const failure = runVmwCase(o.factory, c, o.properties).failure ?? undefined;
  return { ok: false, seed, runs, case: c, failure };
}
