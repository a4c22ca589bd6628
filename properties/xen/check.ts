/**
 * A seeded Xen campaign on the shared runner (properties/runner.ts, which takes the Xen fair drain
 * and summaries from the family value): fast-check generates workloads for one configuration,
 * runCase judges each, and a failure is shrunk to a short list of commands. Same seed, same result.
 */
import fc from 'fast-check';
import { formatXenCommand, type XenCommand, type XenSystemConfig } from '../../core/xen/index.ts';
import { runCase, type Failure } from '../runner.ts';
import type { Property } from '../property.ts';
import type { XenSystemUnderTest } from '../../impl/xen/index.ts';
import { xenCheckConfig, xenCommandsArb, xenConfigArb } from './workload.ts';

export type XenFactory = (config: XenSystemConfig) => Pick<XenSystemUnderTest, 'apply' | 'observe'>;

export interface XenCheckOptions {
  factory: XenFactory;
  properties: readonly Property[];
  config?: XenSystemConfig;
  seed?: number;
  runs?: number;
  maxCommands?: number;
}

export interface XenCheckResult {
  ok: boolean;
  seed: number;
  runs: number;
  /** The shrunk counterexample (its configuration and commands) and its failure, when one was found. */
  config?: XenSystemConfig;
  commands?: XenCommand[];
  failure?: Failure;
}

/** One case on the shared runner. */
export function runXenCase(factory: XenFactory, config: XenSystemConfig, commands: readonly XenCommand[], properties: readonly Property[]) {
  return runCase(factory as never, config as never, commands as never, properties);
}

export function checkXen(o: XenCheckOptions): XenCheckResult {
  const seed = o.seed ?? 42;
  const runs = o.runs ?? 100;
  const cases = (c: XenSystemConfig) => xenCommandsArb(c, o.maxCommands ?? 60).map((commands) => ({ config: c, commands }));
  // Without a fixed configuration, the default one, laid out as a real machine now and then. A
  // layout moves no gpfn, so the commands are drawn for the default alone, first (the stream
  // of commands a seed gave before layouts), then the layout; each part shrinks on its own.
  const arb = o.config ? cases(o.config) : fc.tuple(xenCommandsArb(xenCheckConfig(), o.maxCommands ?? 60), xenConfigArb()).map(([commands, config]) => ({ config, commands }));
  const prop = fc.property(arb, ({ config, commands }) => runXenCase(o.factory, config, commands, o.properties).failure === null);
  const r = fc.check(prop, { seed, numRuns: runs });
  if (!r.failed || !r.counterexample) return { ok: true, seed, runs };
  const { config, commands } = r.counterexample[0];
  const failure = runXenCase(o.factory, config, commands, o.properties).failure ?? undefined;
  return { ok: false, seed, runs, config, commands, failure };
}

/** A failure as a person reads it: the property, what broke, and the steps as a runnable script. */
export function formatXenFailure(r: XenCheckResult): string {
  if (r.ok || !r.failure) return `xen: ${r.runs} runs passed (seed ${r.seed})`;
  const f = r.failure;
  const lines = [`xen: ${f.property} failed ${f.step < 0 ? 'at the end of the run' : `at step ${f.step}`} (seed ${r.seed}): ${f.violation.message}`];
  (r.commands ?? []).forEach((c, i) => lines.push(`${String(i).padStart(3)}  ${formatXenCommand(c)}${i === f.step ? '   <- here' : ''}`));
  return lines.join('\n');
}
