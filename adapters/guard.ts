/**
 * Guarding a user's implementation, so that whatever it does, a step ends with a verdict:
 * - it throws: the runner already reports the step as a `no-crash` failure;
 * - it answers with a malformed step result or observation: the guard throws a
 *   MalformedStepResult / MalformedObservation naming the field, reported the same way;
 * - it never answers: with a step time limit, the implementation runs in a worker thread and a
 *   step past the limit throws StepTimeout (the worker is terminated, the next case gets a new one).
 *
 * The worker costs a structured clone of the observation per step (see docs/ADAPTERS.md for
 * measurements), so it is opt-in: `stepTimeoutMs: 0` runs the implementation in-process, where
 * a hang cannot be stopped.
 *
 * @example
 *   const impl = await loadImplementation('my-adapter.ts');
 *   const factory = guardImplementation(impl, { stepTimeoutMs: 5000 });
 *   runCampaign({ factory, properties: allProperties, runs: 200, seed: 1 });
 */
import type { Command, Observation, StepResult, SystemConfig, SystemFactory, SystemUnderTest } from '../core/index.ts';
import { ImplementationFault } from './faults.ts';
import type { LoadedImplementation } from './load.ts';
import { describeValue, observationProblems, stepResultProblems } from './shape.ts';
import { WorkerHost } from './worker-host.ts';

/** The time limit per step that `--step-timeout` defaults to for a user module, ms. */
export const DEFAULT_STEP_TIMEOUT_MS = 5000;
/** The first step of a fresh worker also starts a thread and loads tsx and the module. */
const START_TIMEOUT_MS = 30_000;

export interface GuardOptions {
  /** Time limit per step in ms, enforced by running the implementation in a worker; 0 runs in-process with no limit. */
  stepTimeoutMs?: number;
  /** Check the shape of every step result and observation (O(guests + buffers + effects) per step). Default true. */
  checkShape?: boolean;
}

/** A factory whose systems fail loudly and by name instead of hanging or crashing a checker. */
export function guardImplementation(impl: LoadedImplementation, opts: GuardOptions = {}): SystemFactory & { stop(): void } {
  const timeout = opts.stepTimeoutMs ?? 0;
  const checkShape = opts.checkShape ?? true;
  if (timeout <= 0) {
    const factory = (config: SystemConfig) => new InProcessSystem(impl.factory(config), config, checkShape);
    return Object.assign(factory, { stop() {} });
  }
  const host = new WorkerHost({
    modulePath: impl.modulePath, exportName: impl.exportName,
    stepTimeoutMs: timeout, startTimeoutMs: Math.max(timeout, START_TIMEOUT_MS),
  });
  const factory = (config: SystemConfig) => new WorkerSystem(host, config, checkShape);
  return Object.assign(factory, { stop: () => host.stop() });
}

function checkResult(r: unknown): StepResult {
  const problems = stepResultProblems(r);
  if (problems.length > 0) throw new ImplementationFault('MalformedStepResult', problems.join('; '));
  return r as StepResult;
}

function checkObservation(obs: unknown, config: SystemConfig): Observation {
  const problems = observationProblems(obs, config);
  if (problems.length > 0) throw new ImplementationFault('MalformedObservation', problems.join('; '));
  return obs as Observation;
}

/** @internal */
class InProcessSystem implements SystemUnderTest {
  constructor(private readonly inner: SystemUnderTest, readonly config: SystemConfig, private readonly checkShape: boolean) {
    // Checked once at load time on one configuration; another one may still get something else.
    const o = inner as unknown as Record<string, unknown> | null;
    for (const m of ['apply', 'observe']) {
      if (typeof o?.[m] !== 'function') throw new ImplementationFault('MalformedSystem', `the factory returned ${o === null || typeof o !== 'object' ? describeValue(o) : `a system without \`${m}\``}`);
    }
  }

  apply(command: Command): StepResult {
    const r = this.inner.apply(command);
    return this.checkShape ? checkResult(r) : r;
  }

  observe(): Observation {
    const obs = this.inner.observe();
    return this.checkShape ? checkObservation(obs, this.config) : obs;
  }
}

/**
 * A system living in the worker. Each answer carries the observation after it, so `observe()`
 * costs no round trip: the runner observes before and after every step, and nothing else changes
 * the system in between.
 * @internal
 */
class WorkerSystem implements SystemUnderTest {
  private readonly sys: number;
  private readonly generation: number;
  private last: Observation;

  constructor(private readonly host: WorkerHost, readonly config: SystemConfig, private readonly checkShape: boolean) {
    const created = host.create(config);
    this.sys = created.sys;
    this.generation = created.generation;
    this.last = this.checkShape ? checkObservation(created.obs, config) : created.obs;
  }

  apply(command: Command): StepResult {
    const { result, obs } = this.host.apply(this.sys, this.generation, command);
    if (this.checkShape) checkResult(result);
    this.last = this.checkShape ? checkObservation(obs, this.config) : obs;
    return result;
  }

  observe(): Observation { return this.last; }
}
