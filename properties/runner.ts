/**
 * Runs one case: a configuration and a list of commands, on one implementation, under a list of
 * properties. Cost per step is what the monitors' `step` hooks spend on the step's effects; the
 * full audits run every `auditEvery` steps and at the end. After the workload comes a fair drain:
 * the host re-asserts every target, then driver and device take turns until nothing moves, and
 * the liveness monitors judge the result.
 */
import {
  describeThrown, effectKinds, guestId, type Command, type EffectKind, type Observation, type StepResult, type SystemConfig, type SystemFactory,
  type SystemUnderTest,
} from '../core/virtio/index.ts';
import { resolveHostile } from './hostile.ts';
import type { GuestSummary, Property, PropertyMonitor, StepContext, Violation } from './property.ts';

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
  const auditEvery = opts.auditEvery ?? defaultAuditEvery(config);
  const monitors = properties.map((p) => ({ p, m: p.monitor(config) }));
  const stepping = monitors.filter(({ m }) => m.step).map(({ p, m }) => ({ p, m, mask: m.interests ? maskOf(m.interests) : ALL }));
  const { records, drained } = at;
  let index = 0;
  // The host's own targets, from the commands given (see EndContext.targets).
  const commanded = config.guests.map(() => 0);
  let sys: SystemUnderTest;
  try { sys = factory(config); } catch (e) {
    return { failure: crash(-1, `creating the system threw: ${describeThrown(e)}`), steps: 0, records, drained };
  }

  const step = (command: Command, draining: boolean): { failure: Failure | null; result?: StepResult } => {
    const i = index++;
    at.index = index;
    let obs: Observation;
    let result: StepResult;
    let before: GuestSummary;
    let applied = command;
    try {
      const now = sys.observe();
      before = summary(now, command.guest);
      // A hostile request's bad buffer is test input, built from this moment's observation.
      if (command.kind === 'hostile') applied = resolveHostile(command, config, now);
      if (command.kind === 'set-target' && Number.isInteger(command.pages) && command.pages >= 0) {
        const gc = config.guests[command.guest];
        if (gc) commanded[command.guest] = Math.min(command.pages, gc.ramPages);
      }
      result = sys.apply(applied);
      obs = sys.observe();
    } catch (e) {
      return { failure: { ...crash(i, `the step threw: ${describeThrown(e)}`), command } };
    }
    if (opts.record) {
      const g = obs.guests[command.guest];
      records.push({ index: i, command, result, draining, target: g?.target ?? NaN, actual: g?.actual ?? NaN });
    }
    const ctx: StepContext = { index: i, command: applied, result, obs, before, draining };
    let present = ALWAYS;
    for (const e of result.effects) present |= BIT[e.kind];
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

  // The fair drain. A driver may send as little as one guest page per buffer (VIRTIO sets no
  // minimum), and each buffer takes two rounds (sent and acknowledged, then consumed), so the
  // bound allows two rounds per guest page, twice over (a balloon may have to turn round once).
  const pages = (g: SystemConfig['guests'][number]) => (g.ramPages + g.holePages) / g.guestPageGpfns;
  const drainBound = 4 * Math.max(...config.guests.map(pages)) + 16;
  const run = (c: Command) => { drained.push(c); return step(c, true); };
  // The host re-asserts the targets it set itself, not the ones the system reports: a system
  // that ignored a target must not have it forgiven by the drain.
  const targets = [...commanded];
  for (let g = 0; g < config.guests.length; g++) {
    const { failure } = run({ kind: 'set-target', guest: guestId(g), pages: targets[g] ?? 0 });
    if (failure) return { failure, steps: index, records, drained };
  }
  let quiescent = false;
  let rounds = 0;
  while (!quiescent && rounds < drainBound) {
    rounds++;
    quiescent = true;
    for (let g = 0; g < config.guests.length; g++) {
      for (const c of [
        { kind: 'driver', guest: guestId(g) },
        { kind: 'device', guest: guestId(g), queue: 'inflate' },
        { kind: 'device', guest: guestId(g), queue: 'deflate' },
      ] as Command[]) {
        const { failure, result } = run(c);
        if (failure) return { failure, steps: index, records, drained };
        if (result && result.effects.some((e) => e.kind !== 'out-of-puff')) quiescent = false;
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

// One bit per effect kind, and one that every step has, for monitors that watch all steps.
const BIT = Object.fromEntries(effectKinds.map((k, i) => [k, 1 << (i + 1)])) as Record<EffectKind, number>;
const ALWAYS = 1;
const ALL = ~0;
const maskOf = (kinds: readonly EffectKind[]) => kinds.reduce((m, k) => m | BIT[k], 0);

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

/**
 * The command's guest before the step, as plain numbers (observations may be live views). The
 * queue fields cost one pass over the few buffers in flight.
 */
export function summary(obs: Observation, guest: number): GuestSummary {
  const g = obs.guests[guest];
  const unprocessed = { inflate: -1, deflate: -1, stats: -1 };
  const hostFree = obs.host.freeFrames;
  if (!g) return { free: 0, used: 0, ballooned: 0, inflating: 0, deflating: 0, target: 0, actual: 0, hostFree, ackWaiting: false, ownPending: false, unprocessed };
  let ackWaiting = false;
  let ownPending = false;
  for (const b of g.inflight) {
    if (b.acked) ackWaiting = true;
    else if (unprocessed[b.queue] === -1) unprocessed[b.queue] = b.id;
    if (b.queue !== 'stats' && b.origin !== 'hostile') ownPending = true;
  }
  const c = g.counts;
  return {
    free: c.free, used: c.used, ballooned: c.ballooned, inflating: c.inflating, deflating: c.deflating, target: g.target, actual: g.actual,
    hostFree, ackWaiting, ownPending, unprocessed,
  };
}

function crash(step: number, message: string): Failure {
  return { property: NO_CRASH, step, phase: 'step', violation: { message } };
}

