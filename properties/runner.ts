/**
 * Runs one case: a configuration and a list of commands, on one implementation, under a list of
 * properties. Cost per step is what the monitors' `step` hooks spend on the step's effects; the
 * full audits run every `auditEvery` steps and at the end. After the workload comes a fair drain:
 * the host re-asserts every target, then driver and device take turns until nothing moves, and
 * the liveness monitors judge the result.
 */
import {
  describeThrown, guestId, type Command, type Observation, type StepResult, type SystemConfig, type SystemFactory,
  type SystemUnderTest,
} from '../core/virtio/index.ts';
import { familyOf } from './families.ts';
import type { AnyFamily } from './family.ts';
import type { AnyProperty as Property, PropertyMonitor, StepContext, Violation } from './property.ts';
import type { ReachCounter } from './reach/situation.ts';

export interface RunOptions {
  /**
   * Full audit every K steps (and always at the end); 0 disables periodic audits. The default
   * grows with memory (at least 256, else a sixteenth of all gpfns and frames), so an audit costs
   * a bounded amount per step amortized and cost per step does not grow with memory size.
   */
  auditEvery?: number;
  /** Keep a record of every step (for replay tables); off in campaigns. */
  record?: boolean;
  /** Skip the fair drain and the end-of-run checks (benchmarks of raw stepping). */
  noDrain?: boolean;
  /** This case's situation counter (properties/reach/): told every step, drain included. */
  reach?: ReachCounter;
}

export interface StepRecord {
  index: number;
  command: Command;
  result: StepResult;
  draining: boolean;
  /** target and actual of the command's guest after the step. */
  target: number;
  actual: number;
}

export interface Failure {
  property: string;
  /** Index of the step after which the property failed; -1 when it failed at the end of the run. */
  step: number;
  phase: 'step' | 'audit' | 'end';
  violation: Violation;
  command?: Command;
}

export interface CaseResult {
  failure: Failure | null;
  /** Steps executed, drain included. */
  steps: number;
  records: StepRecord[];
  /** Commands the drain added after the workload. */
  drained: Command[];
}

/** The property that an implementation which throws or returns nonsense fails. */
export const NO_CRASH = 'no-crash';

/**
 * Run one case to a verdict. Never throws: whatever goes wrong inside (the implementation, a
 * monitor reading a value it did not expect, the tool's own step handling) is a failure at the
 * step it happened in, never a pass (issue #13: a throwing case must not count as "held").
 */
export function runCase(
  factory: SystemFactory, config: SystemConfig, commands: readonly Command[],
  properties: readonly Property[], opts: RunOptions = {},
): CaseResult {
  const at = { index: 0, records: [] as StepRecord[], drained: [] as Command[] };
  try {
    return runCaseUnguarded(factory, config, commands, properties, opts, at);
  } catch (e) {
    const step = at.index - 1;
    return { failure: crash(step, `the checker threw at ${step < 0 ? 'the start' : `step ${step}`}: ${describeThrown(e)}`), steps: at.index, records: at.records, drained: at.drained };
  }
}

function runCaseUnguarded(
  factory: SystemFactory, config: SystemConfig, commands: readonly Command[],
  properties: readonly Property[], opts: RunOptions, at: { index: number; records: StepRecord[]; drained: Command[] },
): CaseResult {
  // The family's policy: how a step is prepared and summarised, and what its fair drain is.
  let family: AnyFamily;
  try { family = familyOf(config); } catch (e) {
    return { failure: crash(-1, `the configuration names no known family: ${describeThrown(e)}`), steps: 0, records: at.records, drained: at.drained };
  }
  const policy = family.runner;
  const reach = opts.reach;
  const auditEvery = opts.auditEvery ?? defaultAuditEvery(config);
  const monitors = properties.map((p) => ({ p, m: p.monitor(config, family.world) as PropertyMonitor }));
  // One bit per effect kind a monitor is interested in, in the order first named; kinds beyond
  // 30 share the last bit (a monitor is then called a little more often, never less).
  const bits = new Map<string, number>();
  const bit = (k: string) => { let b = bits.get(k); if (b === undefined) { b = 1 << Math.min(bits.size + 1, 30); bits.set(k, b); } return b; };
  const maskOf = (kinds: readonly string[]) => kinds.reduce((m, k) => m | bit(k), 0);
  const stepping = monitors.filter(({ m }) => m.step).map(({ p, m }) => ({ p, m, mask: m.interests ? maskOf(m.interests) : ALL }));
  const { records, drained } = at;
  let index = 0;
  // The host's own targets, from the commands given (see EndContext.targets); before any, the
  // family's starting target (virtio: 0, an empty balloon; Xen: the domain's memory).
  const commanded = config.guests.map((_, g) => policy.initialTarget?.(config, g) ?? 0);
  let sys: SystemUnderTest;
  try { sys = factory(config); } catch (e) {
    return { failure: crash(-1, `creating the system threw: ${describeThrown(e)}`), steps: 0, records, drained };
  }

  const step = (command: Command, draining: boolean): { failure: Failure | null; result?: StepResult } => {
    const i = index++;
    at.index = index;
    let obs: Observation;
    let result: StepResult;
    let before: StepContext['before'];
    let applied = command;
    try {
      const now = sys.observe();
      before = policy.summary(now, command.guest);
      // Test input a family builds from this moment (a hostile request's bad buffer).
      applied = policy.prepare(command, config, now);
      const t = policy.hostTarget(command, config);
      if (t !== null) commanded[command.guest] = t;
      result = sys.apply(applied);
      obs = sys.observe();
    } catch (e) {
      return { failure: { ...crash(i, `the step threw: ${describeThrown(e)}`), command } };
    }
    if (opts.record) {
      const g = obs.guests[command.guest];
      records.push({ index: i, command, result, draining, target: g?.target ?? NaN, actual: g?.actual ?? NaN });
    }
    const ctx = { index: i, command: applied, result, obs, before, draining } as StepContext;
    reach?.step(ctx);
    let present = ALWAYS;
    for (const e of result.effects) present |= bits.get(e.kind) ?? 0;
    for (const { p, m, mask } of stepping) {
      if ((mask & present) === 0) continue;
      let v: Violation | null;
      try { v = m.step!(ctx); } catch (e) {
        v = { message: `checking the step threw: ${describeThrown(e)}` };
      }
      if (v) return { failure: { property: p.name, step: i, phase: 'step', violation: v, command } };
    }
    if (auditEvery > 0 && (i + 1) % auditEvery === 0) {
      const f = audit(monitors, obs, i);
      if (f) return { failure: { ...f, command } };
    }
    return { failure: null, result };
  };

  for (const c of commands) {
    const { failure } = step(c, false);
    if (failure) return { failure, steps: index, records, drained };
  }
  if (opts.noDrain) return { failure: null, steps: index, records, drained };

  // The fair drain: the host re-asserts the targets it set itself, not the ones the system
  // reports (a system that ignored a target must not have it forgiven by the drain); then every
  // side of every guest acts in turn, as the family says, until nothing moves or the bound.
  const drainBound = policy.drainBound(config);
  const run = (c: Command) => { drained.push(c); return step(c, true); };
  const targets = [...commanded];
  for (let g = 0; g < config.guests.length; g++) {
    const { failure } = run(policy.retarget(guestId(g), targets[g] ?? 0, config));
    if (failure) return { failure, steps: index, records, drained };
  }
  let quiescent = false;
  let rounds = 0;
  while (!quiescent && rounds < drainBound) {
    rounds++;
    quiescent = true;
    for (let g = 0; g < config.guests.length; g++) {
      for (const c of policy.drainRound(config, guestId(g)) as Command[]) {
        const { failure, result } = run(c);
        if (failure) return { failure, steps: index, records, drained };
        if (result && policy.moved(result)) quiescent = false;
      }
    }
  }
  let obs: Observation;
  try { obs = sys.observe(); } catch (e) {
    return { failure: crash(index, `observe() threw: ${describeThrown(e)}`), steps: index, records, drained };
  }
  const f = audit(monitors, obs, -1);
  if (f) return { failure: f, steps: index, records, drained };
  for (const { p, m } of monitors) {
    let v: Violation | null | undefined;
    try { v = m.end?.({ obs, config, quiescent, drainRounds: rounds, drainBound, targets }); } catch (e) {
      v = { message: `the end-of-run check threw: ${describeThrown(e)}` };
    }
    if (v) return { failure: { property: p.name, step: -1, phase: 'end', violation: v }, steps: index, records, drained };
  }
  return { failure: null, steps: index, records, drained };
}

// A bit that every step has, for monitors that watch all steps.
const ALWAYS = 1;
const ALL = ~0;

/** The default audit interval: a full audit costs O(memory), so audit less often on big systems. */
export function defaultAuditEvery(config: SystemConfig): number {
  const memory = config.hostFrames + config.guests.reduce((n, g) => n + g.ramPages + g.holePages, 0);
  return Math.max(256, Math.ceil(memory / 16));
}

function audit(monitors: { p: Property; m: PropertyMonitor }[], obs: Observation, step: number): Failure | null {
  for (const { p, m } of monitors) {
    let v: Violation | null | undefined;
    try { v = m.audit?.(obs); } catch (e) {
      v = { message: `the audit threw: ${describeThrown(e)}` };
    }
    if (v) return { property: p.name, step, phase: 'audit', violation: v };
  }
  return null;
}

function crash(step: number, message: string): Failure {
  return { property: NO_CRASH, step, phase: 'step', violation: { message } };
}

