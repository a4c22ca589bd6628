/**
 * A campaign: fast-check generates cases, runCase checks them, fast-check shrinks a failure.
 * While shrinking, only the property that failed first counts as a failure, so the shrunk case
 * fails the way the original did rather than drifting to another property. After a failure the
 * campaign goes on with the remaining properties in a new round, under the next seed (seed + 1,
 * + 2, …: fresh cases, so every run counted is a distinct case), so one run of `balloon check`
 * gives a verdict for every property and the whole campaign still follows from one seed.
 */
import fc from 'fast-check';
import type { SystemFactory } from '../core/index.ts';
import type { Property } from './property.ts';
import { describeThrown } from '../core/index.ts';
import { NO_CRASH, runCase, type CaseResult, type Failure, type RunOptions } from './runner.ts';
import { simplifyCase } from './simplify.ts';
import { caseArb, type Case, type WorkloadOptions } from './workload.ts';

export interface CampaignOptions extends WorkloadOptions, RunOptions {
  factory: SystemFactory;
  properties: readonly Property[];
  runs: number;
  seed: number;
  /** Called after every run (shrinking included), for progress bars. */
  onRun?: (done: number, phase: 'search' | 'shrink') => void;
  /** Called once per counterexample, after shrinking. */
  onFailure?: (f: Counterexample) => void;
  /** Stop after the first failing property instead of going on with the others. */
  stopAtFirst?: boolean;
}

export interface Counterexample {
  property: string;
  /** The campaign's seed (`--seed`). */
  seed: number;
  /** The seed of the round that found it: with `path`, fast-check's replay pair. */
  roundSeed: number;
  /** fast-check's replay path: `fc.assert(..., { seed, path })`. */
  path: string;
  case: Case;
  failure: Failure;
  runsBeforeFailure: number;
  shrinks: number;
  /** Wall time from the start of the search until the first failing run, ms (before shrinking). */
  msToDetect: number;
}

export interface PropertyVerdict {
  name: string;
  kind: Property['kind'];
  verdict: 'held' | 'failed';
  /** Runs that checked this property (before its failure, if any). */
  runs: number;
  steps: number;
  /** Wall time of the campaign rounds that included this property, ms. */
  ms: number;
}

export interface CampaignReport {
  seed: number;
  runs: number;
  verdicts: PropertyVerdict[];
  counterexamples: Counterexample[];
  ms: number;
}

export function runCampaign(o: CampaignOptions): CampaignReport {
  const t0 = performance.now();
  const verdicts = new Map<string, PropertyVerdict>(o.properties.map((p) => [p.name, { name: p.name, kind: p.kind, verdict: 'held', runs: 0, steps: 0, ms: 0 }]));
  const counterexamples: Counterexample[] = [];
  let active = [...o.properties];
  const arb = caseArb(o);
  let done = 0;
  for (let round = 0; active.length > 0; round++) {
    const roundSeed = (o.seed + round) % 2 ** 31;
    const t = performance.now();
    let target: string | null = null;
    let searchRuns = 0;
    let steps = 0;
    let last: Failure | null = null;
    let detectedAt = 0;
    const prop = fc.property(arb, (c) => {
      // runCase never throws; anything else that does (a progress callback) is still a failure
      // of the case, never a pass (issue #13): fast-check would count it as failed with no target.
      let r: Pick<CaseResult, 'failure' | 'steps'>;
      try {
        r = runCase(o.factory, c.config, c.commands, active, o);
        o.onRun?.(++done, target ? 'shrink' : 'search');
      } catch (e) {
        r = { failure: { property: NO_CRASH, step: -1, phase: 'step', violation: { message: `the checker threw: ${describeThrown(e)}` } }, steps: 0 };
      }
      if (!target) { searchRuns++; steps += r.steps; }
      if (r.failure && (target === null || r.failure.property === target)) {
        if (target === null) detectedAt = performance.now() - t;
        target = r.failure.property;
        last = r.failure;
        return false;
      }
      return true;
    });
    const details = fc.check(prop, { seed: roundSeed, numRuns: o.runs, endOnFailure: false });
    const elapsed = performance.now() - t;
    const failed = target as string | null;
    for (const p of active) {
      const v = verdicts.get(p.name)!;
      v.runs += searchRuns - (failed ? 1 : 0) + (p.name === failed ? 1 : 0);
      v.steps += steps;
      v.ms += elapsed;
    }
    if (!failed || !details.failed || !details.counterexample) break;
    // no-crash is not in the list: the runner reports it for an implementation that throws.
    if (!verdicts.has(failed)) verdicts.set(failed, { name: failed, kind: 'always', verdict: 'held', runs: searchRuns, steps, ms: elapsed });
    verdicts.get(failed)!.verdict = 'failed';
    // `last` is the last failure seen while shrinking; the failure of the simplified case, run
    // again below, replaces it (the fallback only matters if that run stops failing).
    const cx: Counterexample = {
      property: failed, seed: o.seed, roundSeed, path: details.counterexamplePath ?? '', case: details.counterexample[0],
      failure: last!, runsBeforeFailure: searchRuns, shrinks: details.numShrinks, msToDetect: detectedAt,
    };
    const only = active.filter((p) => p.name === failed);
    const failsAlike = (c: Case) => runCase(o.factory, c.config, c.commands, only, o).failure?.property === failed;
    cx.case = simplifyCase(cx.case, failsAlike);
    const again = runCase(o.factory, cx.case.config, cx.case.commands, only, o);
    if (again.failure) cx.failure = again.failure;
    counterexamples.push(cx);
    o.onFailure?.(cx);
    // A crashing implementation (no-crash, which is not in the list) cannot be checked further:
    // stop, or the next round would find the same crash for ever.
    if (o.stopAtFirst || !active.some((p) => p.name === failed)) break;
    active = active.filter((p) => p.name !== failed);
  }
  return { seed: o.seed, runs: o.runs, verdicts: [...verdicts.values()], counterexamples, ms: performance.now() - t0 };
}
