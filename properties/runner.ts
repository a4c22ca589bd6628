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
  const at: CaseProgress = { index: 0, records: [], drained: [] };
  try {
    return runCaseUnguarded(factory, config, commands, properties, opts, at);
  } catch (e) {
    const step = at.index - 1;
    return { failure: crash(step, `the checker threw at ${step < 0 ? 'the start' : `step ${step}`}: ${describeThrown(e)}`), steps: at.index, records: at.records, drained: at.drained };
  }
}

function runCaseUnguarded(
  factory: SystemFactory, config: SystemConfig, commands: readonly Command[],
  properties: readonly Property[], opts: RunOptions, at: CaseProgress,
): CaseResult {
  const s = CaseSession.open(factory, config, properties, opts, at);
  if (!(s instanceof CaseSession)) return s;
  for (const c of commands) {
    const { failure } = s.step(c, false);
    if (failure) return s.result(failure);
  }
  if (opts.noDrain) return s.result(null);
  return s.result(s.finish());
}

/** Where a case is: steps taken, records kept, commands the drain added (read when a step throws). */
interface CaseProgress { index: number; records: StepRecord[]; drained: Command[] }

/**
 * One case under way: the system, the property monitors and the runner's own state (the host's
 * own targets, the step count). `runCase` opens one, steps it through the commands and finishes
 * it with the drain. The explorer (properties/exhaustive.ts) also forks it: when the system and
 * every monitor can fork (SystemUnderTest.fork, PropertyMonitor.fork), `fork()` gives a copy in
 * the same state that steps on its own, so every command can be tried from a state without
 * replaying the path to it; the copy's verdicts are the ones a replay of the path would give.
 */
export class CaseSession {
  private constructor(
    private readonly family: AnyFamily,
    readonly config: SystemConfig,
    private readonly sys: SystemUnderTest,
    private readonly monitors: { p: Property; m: PropertyMonitor }[],
    /** The monitors with a `step` hook: `k` is the monitor's index in `monitors`. */
    private readonly stepping: { p: Property; m: PropertyMonitor; mask: number; k: number }[],
    private readonly bits: ReadonlyMap<string, number>,
    private readonly commanded: number[],
    /** Full audit every this many steps (0: none); the explorer audits after every step. */
    public auditEvery: number,
    private readonly opts: RunOptions,
    private readonly at: CaseProgress,
    /** Per guest, the gpfn a step gave back last (FamilyRunner.givenBack), -1 before any: where an aimed hostile request goes. */
    private readonly given: number[] = config.guests.map(() => -1),
  ) {}

  /** A new case: the system built, a fresh monitor per property; a failure result if either throws. */
  static open(factory: SystemFactory, config: SystemConfig, properties: readonly Property[], opts: RunOptions = {},
    at: CaseProgress = { index: 0, records: [], drained: [] }): CaseSession | CaseResult {
    // The family's policy: how a step is prepared and summarised, and what its fair drain is.
    let family: AnyFamily;
    try { family = familyOf(config); } catch (e) {
      return { failure: crash(-1, `the configuration names no known family: ${describeThrown(e)}`), steps: 0, records: at.records, drained: at.drained };
    }
    const policy = family.runner;
    const auditEvery = opts.auditEvery ?? defaultAuditEvery(config);
    const monitors = properties.map((p) => ({ p, m: p.monitor(config, family.world) as PropertyMonitor }));
    // One bit per effect kind a monitor is interested in, in the order first named; kinds beyond
    // 30 share the last bit (a monitor is then called a little more often, never less).
    const bits = new Map<string, number>();
    const bit = (k: string) => { let b = bits.get(k); if (b === undefined) { b = 1 << Math.min(bits.size + 1, 30); bits.set(k, b); } return b; };
    const maskOf = (kinds: readonly string[]) => kinds.reduce((m, k) => m | bit(k), 0);
    const stepping = monitors.flatMap(({ p, m }, k) => (m.step ? [{ p, m, mask: m.interests ? maskOf(m.interests) : ALL, k }] : []));
    // The host's own targets, from the commands given (see EndContext.targets); before any, the
    // family's starting target (virtio: 0, an empty balloon; Xen: the domain's memory).
    const commanded = config.guests.map((_, g) => policy.initialTarget?.(config, g) ?? 0);
    let sys: SystemUnderTest;
    try { sys = factory(config); } catch (e) {
      return { failure: crash(-1, `creating the system threw: ${describeThrown(e)}`), steps: 0, records: at.records, drained: at.drained };
    }
    return new CaseSession(family, config, sys, monitors, stepping, bits, commanded, auditEvery, opts, at);
  }

  /** Steps taken so far (drain included). */
  get index(): number { return this.at.index; }

  /** The system's observation now (a live view: read it before the next step). */
  observe(): Observation { return this.sys.observe(); }
  /** The system's hidden state (SystemUnderTest.hiddenKey), empty without it. */
  hiddenKey(): string { return this.sys.hiddenKey?.() ?? ''; }

  /** The case's result with `failure` as its verdict. */
  result(failure: Failure | null): CaseResult {
    return { failure, steps: this.at.index, records: this.at.records, drained: this.at.drained };
  }

  /**
   * A copy in this state that steps on its own, or null when the system or a monitor cannot
   * fork (or a situation counter is attached: it is the campaign's, not the case's).
   */
  fork(): CaseSession | null {
    if (typeof this.sys.fork !== 'function' || this.opts.reach) return null;
    if (!this.monitors.every(({ m }) => typeof m.fork === 'function')) return null;
    const sys = this.sys.fork();
    const monitors = this.monitors.map(({ p, m }) => ({ p, m: m.fork!() as PropertyMonitor }));
    return new CaseSession(
      this.family, this.config, sys, monitors,
      this.stepping.map(({ p, mask, k }) => ({ p, m: monitors[k].m, mask, k })),
      this.bits, [...this.commanded], this.auditEvery, this.opts,
      { index: this.at.index, records: [...this.at.records], drained: [...this.at.drained] },
      [...this.given],
    );
  }

  /** Apply one command and check it: the step monitors, then the audit when one is due. */
  step(command: Command, draining: boolean): { failure: Failure | null; result?: StepResult } {
    const { at, sys, opts } = this;
    const policy = this.family.runner;
    const i = at.index++;
    let obs: Observation;
    let result: StepResult;
    let before: StepContext['before'];
    let applied = command;
    try {
      const now = sys.observe();
      before = policy.summary(now, command.guest);
      // Test input a family builds from this moment (a hostile request's bad buffer).
      applied = policy.prepare(command, this.config, now, this.given[command.guest] ?? -1);
      const t = policy.hostTarget(command, this.config);
      if (t !== null) this.commanded[command.guest] = t;
      result = sys.apply(applied);
      const back = policy.givenBack?.(result, this.config);
      if (back && back.guest >= 0 && back.guest < this.given.length) this.given[back.guest] = back.gpfn;
      obs = sys.observe();
    } catch (e) {
      return { failure: { ...crash(i, `the step threw: ${describeThrown(e)}`), command } };
    }
    if (opts.record) {
      const g = obs.guests[command.guest];
      at.records.push({ index: i, command, result, draining, target: g?.target ?? NaN, actual: g?.actual ?? NaN });
    }
    const ctx = { index: i, command: applied, result, obs, before, draining } as StepContext;
    opts.reach?.step(ctx);
    let present = ALWAYS;
    for (const e of result.effects) present |= this.bits.get(e.kind) ?? 0;
    for (const { p, m, mask } of this.stepping) {
      if ((mask & present) === 0) continue;
      let v: Violation | null;
      try { v = m.step!(ctx); } catch (e) {
        v = { message: `checking the step threw: ${describeThrown(e)}` };
      }
      if (v) return { failure: { property: p.name, step: i, phase: 'step', violation: v, command } };
    }
    if (this.auditEvery > 0 && (i + 1) % this.auditEvery === 0) {
      const f = audit(this.monitors, obs, i);
      if (f) return { failure: { ...f, command } };
    }
    return { failure: null, result };
  }

  /**
   * The end of a case: the fair drain, then the final audit and the end-of-run (liveness) checks.
   * The host re-asserts the targets it set itself, not the ones the system reports (a system that
   * ignored a target must not have it forgiven by the drain); then every side of every guest acts
   * in turn, as the family says, until nothing moves or the bound.
   */
  finish(): Failure | null {
    const { config, at } = this;
    const policy = this.family.runner;
    const drainBound = policy.drainBound(config);
    const run = (c: Command) => { at.drained.push(c); return this.step(c, true); };
    const targets = [...this.commanded];
    for (let g = 0; g < config.guests.length; g++) {
      const { failure } = run(policy.retarget(guestId(g), targets[g] ?? 0, config));
      if (failure) return failure;
    }
    let quiescent = false;
    let rounds = 0;
    while (!quiescent && rounds < drainBound) {
      rounds++;
      quiescent = true;
      for (let g = 0; g < config.guests.length; g++) {
        for (const c of policy.drainRound(config, guestId(g)) as Command[]) {
          const { failure, result } = run(c);
          if (failure) return failure;
          if (result && policy.moved(result)) quiescent = false;
        }
      }
    }
    let obs: Observation;
    try { obs = this.sys.observe(); } catch (e) {
      return crash(at.index, `observe() threw: ${describeThrown(e)}`);
    }
    const f = audit(this.monitors, obs, -1);
    if (f) return f;
    for (const { p, m } of this.monitors) {
      let v: Violation | null | undefined;
      try { v = m.end?.({ obs, config, quiescent, drainRounds: rounds, drainBound, targets }); } catch (e) {
        v = { message: `the end-of-run check threw: ${describeThrown(e)}` };
      }
      if (v) return { property: p.name, step: -1, phase: 'end', violation: v };
    }
    return null;
  }
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

