/**
 * A campaign: fast-check generates cases, runCase checks them, fast-check shrinks a failure.
 * While shrinking, only the property that failed first counts as a failure, so the shrunk case
 * fails the way the original did rather than drifting to another property. After a failure the
 * campaign goes on with the remaining properties in a new round, under the next seed (seed + 1,
 * + 2, …: fresh cases, so every run counted is a distinct case) and with the runs still owed to
 * them, so one run of `balloon check` gives a verdict for every property, every property that held
 * was checked on exactly `runs` cases, and the whole campaign still follows from one seed.
 *
 * Two runners share one core (`rounds`, a generator that yields each fast-check round to run):
 * `runCampaign` is synchronous; `runCampaignAsync` runs each case in an async property that
 * yields to the event loop every `YIELD_MS`, so a signal handler can run and abort it. An abort
 * ends the current round at once: during the search the round just stops, during shrinking
 * fast-check keeps the smallest failing case found so far.
 */
import fc from 'fast-check';
import type { SystemFactory } from '../core/virtio/index.ts';
import type { AnyProperty as Property } from './property.ts';
import { describeThrown } from '../core/virtio/index.ts';
import { NO_CRASH, runCase, type CaseResult, type Failure, type RunOptions } from './runner.ts';
import { FAMILIES, familyByName } from './families.ts';
import type { AnyFamily, FamilyCase } from './family.ts';
import type { Case, WorkloadOptions } from './workload.ts';
import { ReachRecorder, type ReachReport } from './reach/recorder.ts';
import { MAX_PAIRS_LENGTH, minimizeCommands } from './minimize.ts';
import { shortenByBfs, type ShortenOptions } from './shorten.ts';
import { canonicalKey } from './state-key.ts';
import { shrinkWorld, type SmallWorld } from './shrink-world.ts';
import type { SystemUnderTest, WorldConfig, WorldObservation } from '../core/index.ts';

export interface CampaignOptions extends WorkloadOptions, RunOptions {
  /**
   * The protocol family whose workload is generated (properties/families.ts); taken from
   * `config` when one is fixed, else the first family registered.
   */
  family?: string;
  /**
   * The profile every generated configuration is held to (the family's `profiles`); absent or the
   * family's default: the configurations as generated, so the default changes no random stream.
   */
  profile?: string;
  factory: SystemFactory;
  properties: readonly Property[];
  runs: number;
  seed: number;
  /** Called after every run (shrinking included), for progress bars. */
  onRun?: (done: number, phase: 'search' | 'shrink') => void;
  /** Called once per counterexample, after shrinking (before the next round starts: save it here). */
  onFailure?: (f: Counterexample) => void;
  /** Stop after the first failing property instead of going on with the others. */
  stopAtFirst?: boolean;
  /**
   * Count the family's situations on every case of the search (CampaignReport.reach); on unless
   * false (the bench measures what counting costs: bench/REACH.md).
   */
  countReach?: boolean;
}

export interface Counterexample {
  property: string;
  /**
   * Names of the properties checked in the round that found it, in order: the case fails this
   * property first under exactly these (an earlier round's property might fail first otherwise),
   * so a trace that records them replays to the same failure.
   */
  properties: string[];
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
  /** `interrupted`: the campaign was stopped (Ctrl-C) before this property had all its runs. */
  verdict: 'held' | 'failed' | 'interrupted';
  /**
   * Cases this property was checked on to their end: `runs` for one that held; for one that
   * failed, those before the failing case plus that case. A case that failed another property
   * does not count for the rest: the run stopped there.
   */
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
  /** The campaign was aborted before it finished (runCampaignAsync's signal). */
  interrupted: boolean;
  /** Where the search's cases went (the family's situation catalogue), when the family has one and counting was on. */
  reach?: ReachReport;
}

/** The family a campaign generates cases of. */
export function campaignFamily(o: Pick<CampaignOptions, 'family' | 'config'>): AnyFamily {
  if (o.config) return familyByName(o.config.family);
  return o.family ? familyByName(o.family) : FAMILIES[0];
}

/** The campaign's generated cases, held to `o.profile` when it is not the family's default. */
export function campaignArb(o: CampaignOptions): fc.Arbitrary<Case> {
  const family = campaignFamily(o);
  const arb = family.caseArb(o) as fc.Arbitrary<Case>;
  const p = family.profiles;
  if (o.profile === undefined || !p || o.profile === p.default) return arb;
  const profile = o.profile;
  if (!Object.hasOwn(p.names, profile)) throw new Error(`unknown profile "${profile}" of family ${family.name} (known: ${Object.keys(p.names).join(', ')})`);
  return arb.map((c) => ({ ...c, config: p.apply(c.config, profile) }));
}

/** How often the async runner yields to the event loop, ms: often enough for Ctrl-C to feel instant. */
export const YIELD_MS = 50;

/** One fast-check round for a runner to run: `check` is the predicate, true when the case passed. */
interface Round { seed: number; numRuns: number; check: (c: Case) => boolean }

/**
 * Run a campaign synchronously.
 *
 * @example
 *   const r = runCampaign({ factory: createReferenceSystem, properties: allProperties, runs: 1000, seed: 1 });
 *   r.counterexamples.length; // 0: every property held
 */
export function runCampaign(o: CampaignOptions): CampaignReport {
  const arb = campaignArb(o);
  const core = rounds(o, () => false);
  for (let next = core.next(); ; ) {
    if (next.done) return next.value;
    const r = next.value;
    next = core.next(fc.check(fc.property(arb, r.check), { seed: r.seed, numRuns: r.numRuns, endOnFailure: false }));
  }
}

/**
 * Run a campaign that `signal` can stop: the report then says `interrupted`, and holds every
 * counterexample found so far (one being shrunk is kept at its smallest yet, and `onFailure`
 * sees it as usual).
 *
 * @example
 *   const ac = new AbortController();
 *   process.once('SIGINT', () => ac.abort());
 *   const r = await runCampaignAsync({ ...options, signal: ac.signal });
 */
export async function runCampaignAsync(o: CampaignOptions & { signal?: AbortSignal }): Promise<CampaignReport> {
  const arb = campaignArb(o);
  const aborted = () => o.signal?.aborted ?? false;
  const core = rounds(o, aborted);
  let last = performance.now();
  for (let next = core.next(); ; ) {
    if (next.done) return next.value;
    const r = next.value;
    const prop = fc.asyncProperty(arb, async (c) => {
      if (performance.now() - last >= YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        last = performance.now();
      }
      // fast-check's own way to stop a run early (what interruptAfterTimeLimit does): the round
      // ends, and a failure being shrunk is reported at its best so far.
      if (aborted()) throw new fc.PreconditionFailure(true);
      return r.check(c);
    });
    next = core.next(await fc.check(prop, { seed: r.seed, numRuns: r.numRuns, endOnFailure: false }));
  }
}

/** The campaign itself, runner-agnostic: yields the rounds to run, receives how each ended. */
function* rounds(o: CampaignOptions, aborted: () => boolean): Generator<Round, CampaignReport, fc.RunDetails<[Case]>> {
  const t0 = performance.now();
  const properties = uniqueByName(o.properties);
  const verdicts = new Map<string, PropertyVerdict>(properties.map((p) => [p.name, { name: p.name, kind: p.kind, verdict: 'held', runs: 0, steps: 0, ms: 0 }]));
  const counterexamples: Counterexample[] = [];
  let active = properties;
  let interrupted = false;
  // Cases every active property has been checked on so far (the same for all: a property leaves
  // `active` for good), so the next round runs only the ones still owed.
  let checked = 0;
  let done = 0;
  const catalogue = o.countReach === false ? undefined : campaignFamily(o).reach;
  const recorder = catalogue ? new ReachRecorder(catalogue) : null;
  const runOpts: RunOptions = { ...o };
  for (let round = 0; active.length > 0 && checked < o.runs; round++) {
    if (aborted()) { interrupted = true; break; }
    const roundSeed = (o.seed + round) % 2 ** 31;
    const t = performance.now();
    let target: string | null = null;
    let searchRuns = 0;
    let steps = 0;
    let last: Failure | null = null;
    let detectedAt = 0;
    const activeNames = active.map((p) => p.name);
    const check = (c: Case): boolean => {
      // runCase never throws; anything else that does (a progress callback) is still a failure
      // of the case, never a pass (issue #13): fast-check would count it as failed with no target.
      let r: Pick<CaseResult, 'failure' | 'steps'>;
      try {
        // Only the search's cases are counted: shrinking reruns variations of one failure.
        const counting = recorder !== null && target === null;
        runOpts.reach = counting ? recorder.begin(c.config) : undefined;
        r = runCase(o.factory, c.config, c.commands, active, runOpts);
        if (counting) recorder.end(activeNames);
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
    };
    const details = yield { seed: roundSeed, numRuns: o.runs - checked, check };
    const elapsed = performance.now() - t;
    const failed = target as string | null;
    if (details.interrupted) interrupted = true;
    const passed = searchRuns - (failed ? 1 : 0);
    checked += passed;
    for (const p of active) {
      const v = verdicts.get(p.name)!;
      v.runs += passed + (p.name === failed ? 1 : 0);
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
      property: failed, properties: active.map((p) => p.name), seed: o.seed, roundSeed, path: details.counterexamplePath ?? '',
      case: details.counterexample[0], failure: last!, runsBeforeFailure: searchRuns, shrinks: details.numShrinks, msToDetect: detectedAt,
    };
    // Simplified under the round's whole property set, not the failed property alone: the case
    // must fail this property first there, or its trace would replay to another failure.
    // Skipped once aborted: it reruns the case a dozen times, and a person who pressed Ctrl-C
    // wants the counterexample as it stands now.
    const failsAlike = (c: Case) => runCase(o.factory, c.config, c.commands, active, o).failure?.property === failed;
    // First the last pass over the commands (properties/minimize.ts: every single command and
    // every pair deleted while the case still fails alike), then the configuration made plain.
    // Then a breadth-first search for a shorter case in the same configuration
    // (properties/shorten.ts), then the configuration made plain, then the deletions again.
    if (!aborted()) {
      const family = campaignFamily(o);
      const minimal = (c: Case): Case => ({ config: c.config, commands: minimizeCommands(c.commands, (commands) => failsAlike({ config: c.config, commands }), MAX_PAIRS_LENGTH, mergeGuestProgram, (x) => growAllocation(c.config, x)) });
      let best = minimal(cx.case);
      const shorter = shortenByBfs(best.commands, shortenOptions(family, o.factory, best.config, best.commands, (commands) => failsAlike({ config: best.config, commands })));
      if (shorter) best = { config: best.config, commands: shorter };
      cx.case = minimal(family.simplifyCase(best, failsAlike));
      // Last, the world itself (properties/shrink-world.ts): the family's small configurations,
      // searched for a case of the same failure that is shorter, or as short in a smaller world.
      // Not when the user fixed the configuration (`config`): then it is the world asked about.
      const property = active.find((p) => p.name === failed);
      if (property && !o.config && !aborted()) {
        const searchAlike = (w: SmallWorld, longest: number) => {
          const fails = (commands: Case['commands']) => failsAlike({ config: w.config as Case['config'], commands });
          return shortenByBfs(new Array<never>(longest + 1), { ...shortenOptions(w.family, o.factory, w.config as Case['config'], [], fails), maxStates: SHORTEN_MAX_STATES });
        };
        cx.case = shrinkWorld(cx.case as FamilyCase, { family, factory: o.factory as never, property, stillFails: (c) => failsAlike(c as Case), searchAlike }) as Case;
      }
    }
    const again = runCase(o.factory, cx.case.config, cx.case.commands, active, o);
    if (again.failure?.property === failed) cx.failure = again.failure;
    counterexamples.push(cx);
    o.onFailure?.(cx);
    // A crashing implementation (no-crash, which is not in the list) cannot be checked further:
    // stop, or the next round would find the same crash for ever.
    if (interrupted || o.stopAtFirst || !active.some((p) => p.name === failed)) break;
    active = active.filter((p) => p.name !== failed);
  }
  if (interrupted) for (const p of active) if (verdicts.get(p.name)!.verdict === 'held') verdicts.get(p.name)!.verdict = 'interrupted';
  const reach = recorder?.report(properties.map((p) => p.name));
  return { seed: o.seed, runs: o.runs, verdicts: [...verdicts.values()], counterexamples, ms: performance.now() - t0, interrupted, ...(reach ? { reach } : {}) };
}

/** States the search around a counterexample may visit (each costs one check of its case). */
export const SHORTEN_MAX_STATES = 400;

/**
 * The search around a shrunk case (properties/shorten.ts): the case's own commands, its
 * allocations and frees merged, then the family's explorer alphabet for that configuration; states keyed by the explorer's key (or the
 * whole observation) after the commands run through the runner with no property and no drain.
 */
export function shortenOptions(family: AnyFamily, factory: SystemFactory, config: Case['config'], own: Case['commands'], stillFails: (cs: Case['commands']) => boolean): ShortenOptions<Case['commands'][number]> {
  let last: SystemUnderTest | null = null;
  const capture = ((c: WorldConfig) => { last = (factory as unknown as (c: WorldConfig) => SystemUnderTest)(c); return last; }) as unknown as SystemFactory;
  const key = family.explorer ? (obs: WorldObservation) => family.explorer!.key(obs, config) : (obs: WorldObservation) => canonicalKey(obs);
  let extra: Case['commands'] = [];
  try { extra = (family.explorer?.alphabet(config) ?? []) as Case['commands']; } catch { extra = []; }
  return {
    alphabet: [...own, ...merged(own), ...extra],
    keyAfter: (cs) => {
      last = null;
      runCase(capture, config, cs, [], { noDrain: true });
      if (!last) return `crash:${cs.length}`;
      const sys = last as SystemUnderTest;
      return `${key(sys.observe() as WorldObservation)}${sys.hiddenKey ? `|${sys.hiddenKey()}` : ''}`;
    },
    stillFails,
    maxStates: SHORTEN_MAX_STATES,
  };
}

/**
 * The guest program's allocations and frees of the case, each guest's and kind's pages summed into
 * one command (pick 0): a run of `alloc 1` that fills memory step by step is one `alloc n` (the
 * world's commands, core/world.ts, mean the same in every family).
 */
function merged(commands: Case['commands']): Case['commands'] {
  const sums = new Map<string, { guest: number; kind: 'alloc' | 'free'; pages: number; runs: number }>();
  for (const c of commands as readonly { kind: string; guest: number; pages?: number }[]) {
    if ((c.kind !== 'alloc' && c.kind !== 'free') || typeof c.pages !== 'number') continue;
    const k = `${c.guest}/${c.kind}`;
    const s = sums.get(k) ?? { guest: c.guest, kind: c.kind, pages: 0, runs: 0 };
    s.pages += c.pages; s.runs++;
    sums.set(k, s);
  }
  return [...sums.values()].filter((s) => s.runs > 1).map((s) => ({ kind: s.kind, guest: s.guest, pages: s.pages, pick: 0 })) as unknown as Case['commands'];
}

/**
 * Two allocations (or two frees) of one guest as one of both sizes, with the later one's pick
 * (properties/minimize.ts `merge`): the world's guest program (core/world.ts) means the same in
 * every family. Any other pair: null.
 */
function mergeGuestProgram(a: Case['commands'][number], b: Case['commands'][number]): Case['commands'][number] | null {
  const x = a as unknown as { kind: string; guest: number; pages?: number };
  const y = b as unknown as { kind: string; guest: number; pages?: number };
  if ((x.kind !== 'alloc' && x.kind !== 'free') || x.kind !== y.kind || x.guest !== y.guest || typeof x.pages !== 'number' || typeof y.pages !== 'number') return null;
  return { ...y, pages: x.pages + y.pages } as unknown as Case['commands'][number];
}

/**
 * Bigger allocations, 1, 2, 4, ... guest pages more up to all of the guest's pages (properties/minimize.ts
 * `grow`: doubling keeps the tries per pair logarithmic): what a deleted command used up, a bigger
 * allocation uses up. Any other command: none.
 */
function growAllocation(config: Case['config'], c: Case['commands'][number]): Case['commands'][number][] {
  const x = c as unknown as { kind: string; guest: number; pages?: number };
  const g = (config as WorldConfig).guests[x.guest] as { ramPages: number; guestPageGpfns?: number } | undefined;
  if (x.kind !== 'alloc' || typeof x.pages !== 'number' || !g) return [];
  const all = Math.floor(g.ramPages / (g.guestPageGpfns ?? 1));
  const out: Case['commands'][number][] = [];
  for (let more = 1; x.pages + more <= all; more *= 2) out.push({ ...x, pages: x.pages + more } as unknown as Case['commands'][number]);
  if (all > x.pages && (out.length === 0 || (out.at(-1) as unknown as { pages: number }).pages !== all)) out.push({ ...x, pages: all } as unknown as Case['commands'][number]);
  return out;
}

/** Each property once, first occurrence kept: a property named twice is checked once. */
function uniqueByName(ps: readonly Property[]): Property[] {
  const seen = new Set<string>();
  return ps.filter((p) => !seen.has(p.name) && seen.add(p.name));
}
