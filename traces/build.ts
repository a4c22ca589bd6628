/**
 * Making a trace from a run: what a campaign's `onFailure` hook calls before `saveTrace`.
 */
import type { Command, SystemConfig } from '../core/virtio/index.ts';
import type { Counterexample } from '../properties/campaign.ts';
import type { Failure } from '../properties/runner.ts';
import { REFERENCE_IMPL, TOOL, TRACE_FORMAT, TRACE_VERSION, type Trace } from './format.ts';

export interface TraceInput {
  config: SystemConfig;
  commands: readonly Command[];
  /** Names of the properties that were checked. */
  properties: readonly string[];
  /** The failure the run ended with, or null when every property held. */
  failure: Failure | null;
  /** `reference` (the default) or the module path of the adapter that was checked. */
  impl?: string;
  faults?: readonly string[];
  seed?: number;
  path?: string;
  note?: string;
}

/**
 * A trace of one run, ready for `saveTrace`.
 *
 * @example
 *   onFailure: (cx) => saveTrace('traces/failures', buildTrace({
 *     config: cx.case.config, commands: cx.case.commands, properties: names,
 *     failure: cx.failure, seed: cx.roundSeed, path: cx.path,
 *   })),
 */
export function buildTrace(input: TraceInput): Trace {
  const f = input.failure;
  return {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    tool: { ...TOOL },
    family: input.config.family,
    impl: input.impl ?? REFERENCE_IMPL,
    faults: [...(input.faults ?? [])],
    ...(input.note !== undefined ? { note: input.note } : {}),
    config: structuredClone(input.config),
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    ...(input.path ? { path: input.path } : {}),
    properties: [...input.properties],
    expect: f ? { verdict: 'fail', property: f.property, step: f.step, message: f.violation.message.slice(0, 4096) } : { verdict: 'pass' },
    commands: input.commands.map((c) => ({ ...c })),
  };
}

/**
 * The trace of a campaign's counterexample: what `balloon check`'s `onFailure` saves. It lists
 * the properties of the round that found it (`cx.properties`), not every property of the
 * campaign: under those the case fails its property first, so replay reproduces it.
 *
 * @example
 *   onFailure: (cx) => {
 *     const file = saveTrace('traces/failures', traceFromCounterexample(cx));
 *     console.log(`saved ${file}; replay: ${formatReplayCommand(file)}`);
 *   },
 */
export function traceFromCounterexample(cx: Counterexample, opts: { impl?: string; faults?: readonly string[] } = {}): Trace {
  return buildTrace({
    config: cx.case.config, commands: cx.case.commands, properties: cx.properties, failure: cx.failure,
    seed: cx.roundSeed, path: cx.path, impl: opts.impl, faults: opts.faults,
  });
}
