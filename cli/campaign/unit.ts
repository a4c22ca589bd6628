/**
 * One unit of a long campaign (properties/shard.ts): a `balloon check`-style campaign of
 * `unit.runs` cases of one family under the unit's own seed (properties/campaign.ts), on the
 * reference implementation with the zoo faults asked for, or on a user's module (`--impl`). It runs in a worker thread of the pool
 * (worker.ts) or in-process; either way the result follows from the task alone.
 *
 * Each counterexample becomes a trace without seed or path: the same minimal failure found by two
 * units (or two shards) is then the same file, byte for byte, and its content hash (traces/hash.ts,
 * the hash in its file name) is the key that `balloon merge` removes duplicates by.
 */
import type { SystemFactory } from '../../core/virtio/index.ts';
import { runCampaign, type Counterexample } from '../../properties/campaign.ts';
import { familyByName } from '../../properties/families.ts';
import type { Unit } from '../../properties/shard.ts';
import { buildTrace, contentHash, serializeTrace, type Trace } from '../../traces/index.ts';

export interface UnitTask {
  unit: Unit;
  /** Zoo faults of the unit's family to switch on (the CLI keeps only those the family has). */
  faults: string[];
  /** Property names to check, or null for all of the family's. */
  properties: string[] | null;
  maxCommands: number;
  /** `reference`, or the path of a user's module (`--impl`), as traces record it. */
  impl: string;
  /** `--step-timeout` as given, for a module. */
  stepTimeout?: string | boolean;
}

/** A counterexample as a campaign report holds it. */
export interface FoundFailure {
  /** The content hash of the trace's canonical text: its file name's hash. */
  key: string;
  family: string;
  property: string;
  step: number;
  message: string;
  trace: Trace;
}

export interface PropertyTally { name: string; runs: number; verdict: 'held' | 'failed' }

export interface UnitResult {
  unit: number;
  family: string;
  block: number;
  seed: number;
  runs: number;
  /** Workload steps the unit ran while searching (not shrinking). */
  steps: number;
  properties: PropertyTally[];
  /** Keys of the failures it found, in the order found. */
  failures: string[];
  /** Wall time, ms (a figure: left out when reports are compared). */
  ms: number;
}

/** What a unit says while it runs: search runs done since it last said, and each failure as soon as it is shrunk. */
export type UnitEvent = { kind: 'runs'; unit: number; runs: number } | { kind: 'failure'; unit: number; failure: FoundFailure };

/** The record of a counterexample found by a campaign with `faults` on. */
export function foundFailure(family: string, cx: Counterexample, faults: readonly string[], impl = 'reference'): FoundFailure {
  const trace = buildTrace({ config: cx.case.config, commands: cx.case.commands, properties: cx.properties, failure: cx.failure, faults, impl });
  return { key: contentHash(serializeTrace(trace)), family, property: cx.property, step: cx.failure.step, message: cx.failure.violation.message, trace };
}

/** How often (in runs) a unit reports its progress. */
const PROGRESS_EVERY = 20;

/**
 * Run one unit.
 *
 * @example
 *   const r = runUnit({ unit: unitAt(plan, 0), faults: [], properties: null, maxCommands: 80, impl: 'reference' });
 *   r.failures; // [] on the reference implementation
 */
export function runUnit(task: UnitTask, tell: (e: UnitEvent) => void = () => {}, factory?: SystemFactory): { result: UnitResult; failures: FoundFailure[] } {
  const t0 = performance.now();
  const { unit } = task;
  const family = familyByName(unit.family);
  const properties = task.properties === null ? family.properties : family.properties.filter((p) => task.properties!.includes(p.name));
  const failures: FoundFailure[] = [];
  let searched = 0;
  let told = 0;
  const report = runCampaign({
    family: family.name,
    factory: factory ?? (task.faults.length > 0 ? family.withFaults(task.faults) : family.reference),
    properties,
    runs: unit.runs,
    seed: unit.seed,
    maxCommands: task.maxCommands,
    onRun: (_done, phase) => {
      if (phase === 'search') searched++;
      if (searched - told >= PROGRESS_EVERY) {
        tell({ kind: 'runs', unit: unit.unit, runs: searched - told });
        told = searched;
      }
    },
    onFailure: (cx) => {
      const f = foundFailure(family.name, cx, task.faults, task.impl);
      failures.push(f);
      tell({ kind: 'failure', unit: unit.unit, failure: f });
    },
  });
  const result: UnitResult = {
    unit: unit.unit, family: unit.family, block: unit.block, seed: unit.seed, runs: unit.runs,
    steps: Math.max(0, ...report.verdicts.map((v) => v.steps)),
    properties: report.verdicts.map((v) => ({ name: v.name, runs: v.runs, verdict: v.verdict === 'failed' ? 'failed' : 'held' })),
    failures: failures.map((f) => f.key),
    ms: Math.round(performance.now() - t0),
  };
  return { result, failures };
}
