/**
 * Replaying a trace: its commands, as they are, on an implementation, under the properties the
 * trace names (and the model's conformance property when one is given), then comparing how the
 * run ended with what the file expects. Pure apart from the system it builds: no I/O here, so
 * the command line and the tests share it.
 */
import type { Observation, SystemFactory, SystemUnderTest } from '../core/virtio/index.ts';
import type { AnyProperty as Property } from '../properties/property.ts';
import { NO_CRASH, runCase, type CaseResult, type Failure } from '../properties/runner.ts';
import { TraceError } from './errors.ts';
import type { Trace } from './format.ts';

export interface ReplayOptions {
  /** Builds the implementation under test, faults already applied (see `referenceFactory`). */
  factory: SystemFactory;
  /** The properties the trace's names are looked up in (usually `allProperties`). */
  properties: readonly Property[];
  /**
   * The model-vs-implementation property. Where the trace lists it, it runs with the others;
   * where it does not, it runs in a second pass of its own, so that the verdict is judged on the
   * properties the trace was recorded with and the model's word is reported beside it.
   */
  conformance?: Property;
  /** false: do not run the statechart (conformance), even where the trace lists it (`--no-model`). */
  model?: boolean;
  /** Passed through to the report: print every step. */
  verbose?: boolean;
  /** The file the trace came from, for messages. */
  file?: string;
}

/**
 * How a replay ended, against the file's `expect`:
 * - `held`: every property held, as expected;
 * - `reproduced`: the expected property failed at the expected step;
 * - `failed-differently`: a failure was expected, another one happened (other property or step);
 * - `failed`: every property was expected to hold, one failed;
 * - `not-reproduced`: a failure was expected, every property held.
 */
export type ReplayVerdict = 'held' | 'reproduced' | 'failed-differently' | 'failed' | 'not-reproduced';

/** The state of the stepped guest and of the host after one step, copied (observations are live views). */
export interface StepSnapshot {
  guest: number;
  free: number; used: number; inflating: number; ballooned: number; deflating: number;
  target: number; actual: number;
  hostFree: number;
}

export interface ReplayResult {
  trace: Trace;
  file?: string;
  verdict: ReplayVerdict;
  /** True when the run ended as the file expects (`held` or `reproduced`). */
  asExpected: boolean;
  /** Names of the properties that ran, in order. */
  ran: string[];
  result: CaseResult;
  /** One per executed step (index = step index), drain included. */
  snapshots: StepSnapshot[];
  /**
   * The model's separate pass (when the trace does not list conformance): null when the
   * implementation conformed, the divergence otherwise; undefined when the model did not run apart.
   */
  model?: Failure | null;
  verbose: boolean;
}

/**
 * Replay `trace` and judge the outcome.
 *
 * @example
 *   const r = replayTrace(loadTrace(file), { factory: referenceFactory(trace.faults), properties: allProperties });
 *   r.verdict; // 'held' | 'reproduced' | ...
 * @throws TraceError when the trace names a property that is not installed.
 */
export function replayTrace(trace: Trace, opts: ReplayOptions): ReplayResult {
  const props = selectProperties(trace, opts);
  const snapshots: StepSnapshot[] = [];
  const factory: SystemFactory = (config) => recording(opts.factory(config), snapshots);
  const result = runCase(factory, trace.config, trace.commands, props, { record: true });
  const verdict = judge(trace, result.failure);
  const apart = opts.conformance && opts.model !== false && !props.some((p) => p.name === opts.conformance!.name);
  const model = apart ? runCase(opts.factory, trace.config, trace.commands, [opts.conformance!]).failure : undefined;
  return {
    trace, file: opts.file, verdict, asExpected: verdict === 'held' || verdict === 'reproduced',
    ran: props.map((p) => p.name), result, snapshots, verbose: opts.verbose ?? false,
    ...(model !== undefined ? { model } : {}),
  };
}

function selectProperties(trace: Trace, opts: ReplayOptions): Property[] {
  const known = opts.properties;
  const out = trace.properties.map((name, i) => {
    const p = known.find((x) => x.name === name);
    if (!p) {
      throw new TraceError(opts.file ?? '(trace)', `properties[${i}]`,
        `unknown property "${name}" (known: ${known.map((x) => x.name).join(', ')})`);
    }
    return p;
  });
  // A failure it expects must be one it can see: of a property it runs, or the runner's own (a crash).
  const e = trace.expect;
  if (e.verdict === 'fail' && e.property !== NO_CRASH && !trace.properties.includes(e.property)) {
    throw new TraceError(opts.file ?? '(trace)', 'expect.property', `expects a failure of "${e.property}", which is not among the properties it runs (${trace.properties.join(', ')}) nor ${NO_CRASH}`);
  }
  return opts.model === false ? out.filter((p) => p.name !== 'conformance') : out;
}

function judge(trace: Trace, f: Failure | null): ReplayVerdict {
  const e = trace.expect;
  if (e.verdict === 'pass') return f ? 'failed' : 'held';
  if (!f) return 'not-reproduced';
  return f.property === e.property && f.step === e.step ? 'reproduced' : 'failed-differently';
}

/** Wraps a system so every `apply` leaves a snapshot of what the report's table prints. */
function recording(sys: SystemUnderTest, out: StepSnapshot[]): SystemUnderTest {
  return {
    config: sys.config,
    apply(command) {
      const r = sys.apply(command);
      out.push(snapshot(sys.observe(), command.guest));
      return r;
    },
    observe: () => sys.observe(),
  };
}

function snapshot(obs: Observation, guest: number): StepSnapshot {
  const g = obs.guests[guest];
  const c = g?.counts;
  return {
    guest,
    free: c?.free ?? NaN, used: c?.used ?? NaN, inflating: c?.inflating ?? NaN,
    ballooned: c?.ballooned ?? NaN, deflating: c?.deflating ?? NaN,
    target: g?.target ?? NaN, actual: g?.actual ?? NaN, hostFree: obs.host.freeFrames,
  };
}
