/**
 * Checking a user's own implementation: load it from a module, guard it (shape checks, and a
 * per-step time limit in a worker thread), and hand the guarded factory to any checker.
 * docs/ADAPTERS.md is the user's guide.
 *
 * A user's module runs in a worker by default, loaded there and never in the tool's own thread
 * (issue #13): its output is kept apart, process.exit or a crash in it is a named failure, a
 * hang is stopped after DEFAULT_STEP_TIMEOUT_MS, and a Promise it returns is awaited. Only an
 * explicit `--step-timeout 0` runs it in-process (fast, trusting it). The reference
 * implementation runs in-process unless `--step-timeout` is given.
 */
import type { SystemFactory } from '../core/virtio/index.ts';
import { intFlag, UsageError } from '../core/usage.ts';
import { DEFAULT_STEP_TIMEOUT_MS, guardImplementation, guardInWorker, workerHost, type GuardOptions } from './guard.ts';
import { ImplementationFault, RemoteError } from './faults.ts';
import { loadImplementation, probeFamily, resolveModule } from './load.ts';
import { FAMILIES } from '../properties/families.ts';
import type { AnyFamily } from '../properties/family.ts';
import type { CapturedOutput } from './worker-host.ts';

export { loadImplementation, checkFactory, probeFamily, PROBE_CONFIG, type LoadedImplementation } from './load.ts';
export { guardImplementation, DEFAULT_STEP_TIMEOUT_MS, type GuardOptions } from './guard.ts';
export { observationProblems } from './shape.ts';
export { stepResultProblems } from './step-shape.ts';
export { EffectSchema, StepResultSchema } from './step-schema.ts';
export { observationShape } from './observation-shape.ts';
export { ImplementationFault, RemoteError, type ImplementationFaultName } from './faults.ts';
export type { CapturedOutput } from './worker-host.ts';

export interface OpenedImplementation {
  /** Guarded: pass it to runCampaign / runCase / replay as the factory. */
  factory: SystemFactory;
  /** 'reference' or the module path relative to the working directory, for reports. */
  name: string;
  /** The per-step limit in force, ms; 0 when running in-process. */
  stepTimeoutMs: number;
  /** Stop the worker, if any (optional: it does not keep the process alive). */
  stop(): void;
  /** What the implementation wrote to stdout/stderr so far (kept apart from the report); null in-process. */
  output(): CapturedOutput | null;
}

export interface OpenOptions extends Omit<GuardOptions, 'stepTimeoutMs'> {
  /** `--step-timeout` as commander hands it over (parseStepTimeout). */
  stepTimeout?: string | boolean;
  cwd?: string;
  /** The protocol family the module implements (`--family`); default the first registered. */
  family?: AnyFamily;
}

/**
 * What the command line calls for `--impl SPEC [--step-timeout [MS]]`: load, check once as
 * `family` (a module of another family is refused by name), guard with the family's shape.
 * Throws UsageError (one line, exit 2) when the module is unusable.
 *
 * @example
 *   const impl = await openImplementation(flags.impl ?? 'reference', { stepTimeout: flags.stepTimeout });
 *   runCampaign({ factory: impl.factory, ... });
 */
export async function openImplementation(spec: string, o: OpenOptions = {}): Promise<OpenedImplementation> {
  const isModule = spec !== 'reference';
  const family = o.family ?? FAMILIES[0];
  const stepTimeoutMs = parseStepTimeout(o.stepTimeout, isModule);
  if (isModule && stepTimeoutMs > 0) {
    const { path, name, fail } = resolveModule(spec, o.cwd);
    const host = workerHost(path, 'default', stepTimeoutMs, family);
    try {
      host.load();
      await probeFamily((config) => host.probe(config), family, fail);
    } catch (e) {
      host.stop();
      if (e instanceof UsageError) throw e;
      if (e instanceof RemoteError && e.name === 'UsageError') throw fail(e.message);
      // A timeout, process.exit or a crash while loading or probing: the message says which.
      if (e instanceof ImplementationFault || e instanceof RemoteError) throw fail(`${e.name ? `${e.name}: ` : ''}${e.message}`);
      throw e;
    }
    const factory = guardInWorker(host, (o.checkShape ?? true) ? family.shape : null);
    return { factory, name, stepTimeoutMs, stop: factory.stop, output: () => host.captured };
  }
  const loaded = await loadImplementation(spec, o.cwd, family);
  // The reference implementation has the shape by construction (as with --fault, which bypasses
  // the guard): its hot path does not pay for validating every step.
  const factory = guardImplementation(loaded, { stepTimeoutMs, checkShape: o.checkShape ?? isModule });
  return { factory, name: loaded.name, stepTimeoutMs, stop: factory.stop, output: () => null };
}

/**
 * `--step-timeout [MS]` as commander hands it over: a bare flag (true) means
 * DEFAULT_STEP_TIMEOUT_MS, a number of ms sets the limit, 0 runs in-process. Absent (undefined)
 * means the default for a module, and in-process for the reference implementation.
 */
export function parseStepTimeout(raw: string | boolean | undefined, isModule = false): number {
  if (raw === undefined || raw === false) return isModule ? DEFAULT_STEP_TIMEOUT_MS : 0;
  if (raw === true) return DEFAULT_STEP_TIMEOUT_MS;
  return intFlag('--step-timeout', raw, 0, 3_600_000);
}
