/**
 * Guarding a user's implementation, so that whatever it does, a step ends with a verdict:
 * - it throws: the runner already reports the step as a `no-crash` failure;
 * - it answers with a malformed step result or observation: the guard throws a
 *   MalformedStepResult / MalformedObservation naming the field, reported the same way;
 * - it never answers: with a step time limit, the implementation runs in a worker thread and a
 *   step past the limit throws StepTimeout (the worker is terminated, the next case gets a new one).
 *
 * The worker costs a structured clone of the observation per step (see docs/ADAPTERS.md for
 * measurements). `--impl MODULE` always uses it (adapters/index.ts); from code, `stepTimeoutMs: 0`
 * runs the implementation in-process, where a hang cannot be stopped, output is not kept apart
 * and a Promise cannot be awaited. Either way the implementation gets its own copy of the
 * configuration and of each command, so changing them cannot change what the checker reports.
 *
 * @example
 *   const impl = await loadImplementation('my-adapter.ts');
 *   const factory = guardImplementation(impl, { stepTimeoutMs: 5000 });
 *   runCampaign({ factory, properties: allProperties, runs: 200, seed: 1 });
 */
import type { Command, Observation, StepResult, SystemConfig, SystemFactory, SystemUnderTest } from '../core/virtio/index.ts';
import { ImplementationFault } from './faults.ts';
import { describeValue } from '../core/shape.ts';
import { FAMILIES } from '../properties/families.ts';
import type { AnyFamily, FamilyShape } from '../properties/family.ts';
import type { LoadedImplementation } from './load.ts';
import { WorkerHost } from './worker-host.ts';

/**
 * The time limit per step for a user module unless `--step-timeout` says otherwise, ms. A step
 * of the implementations here takes microseconds (docs/ADAPTERS.md); ten seconds leaves room for
 * a model behind a socket or a slow simulator, and still turns a hang into a finding.
 */
export const DEFAULT_STEP_TIMEOUT_MS = 10_000;
/** The first step of a fresh worker also starts a thread and loads tsx and the module. */
const START_TIMEOUT_MS = 30_000;

export interface GuardOptions {
  /** Time limit per step in ms, enforced by running the implementation in a worker; 0 runs in-process with no limit. */
  stepTimeoutMs?: number;
  /** Check the shape of every step result and observation against the family's (`Family.shape`; O(guests + buffers + effects) per step). Default true. */
  checkShape?: boolean;
}

/** A factory whose systems fail loudly and by name instead of hanging or crashing a checker. */
export function guardImplementation(impl: LoadedImplementation, opts: GuardOptions = {}): SystemFactory & { stop(): void } {
  const timeout = opts.stepTimeoutMs ?? 0;
  const family = impl.family ?? FAMILIES[0];
  const shape = (opts.checkShape ?? true) ? family.shape : null;
  if (timeout <= 0) {
    const factory = (config: SystemConfig) => new InProcessSystem(impl.factory(frozenCopy(config)), config, shape);
    return Object.assign(factory, { stop() {} });
  }
  return guardInWorker(workerHost(impl.modulePath, impl.exportName, timeout, family), shape);
}

/** A worker host for a module (null: the family's reference implementation) with a per-step limit. */
export function workerHost(modulePath: string | null, exportName: 'default' | 'createSystem', stepTimeoutMs: number, family: AnyFamily = FAMILIES[0]): WorkerHost {
  return new WorkerHost({
    modulePath, exportName, family: family.name, format: (c) => family.formatCommand(c), stepTimeoutMs, startTimeoutMs: Math.max(stepTimeoutMs, START_TIMEOUT_MS),
  });
}

/** The factory of systems living in `host`'s worker; `shape` (a family's) checks every answer, null none. */
export function guardInWorker(host: WorkerHost, shape: FamilyShape | null = FAMILIES[0].shape): SystemFactory & { stop(): void } {
  const factory = (config: SystemConfig) => new WorkerSystem(host, config, shape);
  return Object.assign(factory, { stop: () => host.stop() });
}

/** A deep copy, frozen: what an in-process implementation is handed (core types are plain data). */
function frozenCopy<T>(v: T): T {
  const freeze = (x: unknown): void => {
    if (typeof x !== 'object' || x === null || Object.isFrozen(x)) return;
    for (const y of Object.values(x)) freeze(y);
    Object.freeze(x);
  };
  const copy = structuredClone(v);
  freeze(copy);
  return copy;
}

const isThenable = (v: unknown): boolean =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** In this thread a Promise cannot be awaited by a synchronous checker: say so, and what to do. */
function refusePromise(member: 'the factory' | 'apply' | 'observe', v: unknown): void {
  if (isThenable(v)) {
    const name = member === 'apply' ? 'MalformedStepResult' : member === 'observe' ? 'MalformedObservation' : 'MalformedSystem';
    throw new ImplementationFault(name, `${member} returned a Promise: in-process adapters are synchronous; run it in a worker (the default for --impl), see docs/ADAPTERS.md`);
  }
}

function checkResult(r: unknown, config: SystemConfig, shape: FamilyShape): StepResult {
  const problems = shape.stepResultProblems(r, config);
  if (problems.length > 0) throw new ImplementationFault('MalformedStepResult', problems.join('; '));
  return r as StepResult;
}

function checkObservation(obs: unknown, config: SystemConfig, shape: FamilyShape): Observation {
  const problems = shape.observationProblems(obs, config);
  if (problems.length > 0) throw new ImplementationFault('MalformedObservation', problems.join('; '));
  return obs as Observation;
}

/** @internal */
class InProcessSystem implements SystemUnderTest {
  /** Present only when the module's system forks (SystemUnderTest.fork): each copy is guarded like the original. */
  readonly fork?: () => SystemUnderTest;

  constructor(private readonly inner: SystemUnderTest, readonly config: SystemConfig, private readonly shape: FamilyShape | null) {
    // Checked once at load time on one configuration; another one may still get something else.
    refusePromise('the factory', inner);
    const o = inner as unknown as Record<string, unknown> | null;
    for (const m of ['apply', 'observe']) {
      if (typeof o?.[m] !== 'function') throw new ImplementationFault('MalformedSystem', `the factory returned ${o === null || typeof o !== 'object' ? describeValue(o) : `a system without \`${m}\``}`);
    }
    if (typeof o?.fork === 'function') this.fork = () => new InProcessSystem(inner.fork!(), config, shape);
  }

  apply(command: Command): StepResult {
    // Commands are flat records: a frozen shallow copy is a full one.
    const r = this.inner.apply(Object.freeze({ ...command }));
    refusePromise('apply', r);
    return this.shape ? checkResult(r, this.config, this.shape) : r;
  }

  observe(): Observation {
    const obs = this.inner.observe();
    refusePromise('observe', obs);
    return this.shape ? checkObservation(obs, this.config, this.shape) : obs;
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

  constructor(private readonly host: WorkerHost, readonly config: SystemConfig, private readonly shape: FamilyShape | null) {
    const created = host.create(config);
    this.sys = created.sys;
    this.generation = created.generation;
    this.last = this.shape ? checkObservation(created.obs, config, this.shape) : created.obs;
  }

  apply(command: Command): StepResult {
    const { result, obs } = this.host.apply(this.sys, this.generation, command);
    if (this.shape) checkResult(result, this.config, this.shape);
    this.last = this.shape ? checkObservation(obs, this.config, this.shape) : obs;
    return result;
  }

  observe(): Observation { return this.last; }
}
