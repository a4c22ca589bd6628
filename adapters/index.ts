/**
 * Checking a user's own implementation: load it from a module, guard it (shape checks, and a
 * per-step time limit in a worker thread), and hand the guarded factory to any checker.
 * docs/ADAPTERS.md is the user's guide.
 */
import type { SystemFactory } from '../core/index.ts';
import { intFlag } from '../cli/errors.ts';
import { DEFAULT_STEP_TIMEOUT_MS, guardImplementation, type GuardOptions } from './guard.ts';
import { loadImplementation } from './load.ts';

export { loadImplementation, checkFactory, PROBE_CONFIG, type LoadedImplementation } from './load.ts';
export { guardImplementation, DEFAULT_STEP_TIMEOUT_MS, type GuardOptions } from './guard.ts';
export { observationProblems, stepResultProblems } from './shape.ts';
export { observationShape } from './observation-shape.ts';
export { ImplementationFault, RemoteError, type ImplementationFaultName } from './faults.ts';

export interface OpenedImplementation {
  /** Guarded: pass it to runCampaign / runCase / replay as the factory. */
  factory: SystemFactory;
  /** 'reference' or the module path relative to the working directory, for reports. */
  name: string;
  /** The per-step limit in force, ms; 0 when running in-process. */
  stepTimeoutMs: number;
  /** Stop the worker, if any (optional: it does not keep the process alive). */
  stop(): void;
}

/**
 * What the command line calls for `--impl SPEC [--step-timeout [MS]]`: load, check once, guard.
 * Throws UsageError (one line, exit 2) when the module is unusable.
 *
 * @example
 *   const impl = await openImplementation(flags.impl ?? 'reference', { stepTimeout: flags.stepTimeout });
 *   runCampaign({ factory: impl.factory, ... });
 */
export async function openImplementation(spec: string, o: { stepTimeout?: string | boolean; cwd?: string } & Omit<GuardOptions, 'stepTimeoutMs'> = {}): Promise<OpenedImplementation> {
  const stepTimeoutMs = parseStepTimeout(o.stepTimeout);
  const loaded = await loadImplementation(spec, o.cwd);
  const factory = guardImplementation(loaded, { stepTimeoutMs, checkShape: o.checkShape });
  return { factory, name: loaded.name, stepTimeoutMs, stop: factory.stop };
}

/**
 * `--step-timeout [MS]` as commander hands it over: absent (undefined) runs in-process, a bare
 * flag (true) means DEFAULT_STEP_TIMEOUT_MS, a number of ms sets the limit, 0 runs in-process.
 */
export function parseStepTimeout(raw: string | boolean | undefined): number {
  if (raw === undefined || raw === false) return 0;
  if (raw === true) return DEFAULT_STEP_TIMEOUT_MS;
  return intFlag('--step-timeout', raw, 0, 3_600_000);
}
