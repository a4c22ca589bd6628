/**
 * Exhaustive exploration of an implementation (issue 21, first part): breadth-first over the
 * states of a system built from a tiny configuration, every command of the family's finite
 * alphabet (Family.explorer) tried in every distinct state, states told apart by the family's
 * canonical key of the observation.
 *
 * What is checked, and how: systems cannot be copied (SystemUnderTest has no clone) and neither
 * can the property monitors (the data oracle, the chart of conformance), so every edge is
 * re-executed from the initial state through the runner (properties/runner.ts `runCase`) with
 * every property of the family, the full audit after every step and no drain: every step
 * property and every audit, in every state, on every edge, as the runner checks them. From every
 * newly found state the case is also run once the way `balloon replay` runs it (the fair drain
 * and the end-of-run checks: liveness), so a state from which the drain fails is a failure too.
 *
 * The first failure in BFS order is on a shortest path (in commands) among the paths explored:
 * states with equal keys are merged, so "shortest" is relative to the key; a family's key keeps
 * everything its properties read from the observation. The failing case is saved as it is judged
 * by the replay semantics (runner with its defaults), so `balloon replay` reproduces it.
 *
 * Bounds: `depth` (commands) and `maxStates` (distinct states); the result says which one ended
 * the search, and `exhaustive` is true only when the frontier ran dry before both.
 * Deterministic: no clock in the search itself (the caller times it) and no randomness.
 */
import type { AnyCommand, SystemUnderTest, WorldConfig, WorldObservation } from '../core/index.ts';
import type { SystemFactory } from '../core/virtio/index.ts';
import type { AnyFamily } from './family.ts';
import type { AnyProperty } from './property.ts';
import { runCase, type Failure } from './runner.ts';
export { canonicalKey } from './state-key.ts';

export interface ExploreOptions {
  /** Longest command list explored. */
  depth: number;
  /** Stop once this many distinct states are known. */
  maxStates: number;
  /** Run the fair drain and end-of-run checks from every new state (default true). */
  drain?: boolean;
  /** Properties to check (default: every property of the family). */
  properties?: readonly AnyProperty[];
  /** Called after each depth level (progress). */
  onLevel?: (depth: number, states: number, edges: number) => void;
}

export interface ExploreFailure {
  /** The commands of the shortest failing case found (BFS order). */
  commands: AnyCommand[];
  /** The failure as the replay semantics judge it (what a saved trace expects). */
  failure: Failure;
  /** How it was found: a step or audit on an edge, or the drain/end checks from a state. */
  foundBy: 'edge' | 'drain';
  /** Distinct states known when it was found. */
  statesAtFind: number;
  /**
   * False when only the per-step audit saw it and the replay semantics (audits at the runner's
   * interval, then the drain) do not: a saved trace would then not reproduce it.
   */
  replays: boolean;
}

export interface ExploreResult {
  family: string;
  config: WorldConfig;
  /** Distinct states found (the initial one included). */
  states: number;
  /** Edges (command applications) executed and checked. */
  edges: number;
  /** Deepest level whose states were expanded or reached. */
  depthReached: number;
  /** Number of distinct states first found at each depth (index = depth). */
  perDepth: number[];
  /** True only when no new state was left to expand within the bounds. */
  exhaustive: boolean;
  /** Why the search stopped. */
  stoppedBy: 'exhausted' | 'depth' | 'state-limit' | 'failure';
  properties: string[];
  alphabet: number;
  failure: ExploreFailure | null;
}

/** The family's explorer, or a RangeError naming the family. */
export function explorerOf(family: AnyFamily) {
  if (!family.explorer) throw new RangeError(`family ${family.name} declares no explorer (Family.explorer)`);
  return family.explorer;
}

/** Breadth-first exploration of `factory`'s systems from `config` (see the header). */
export function exploreImplementation(family: AnyFamily, factory: SystemFactory, config: WorldConfig, opts: ExploreOptions): ExploreResult {
  const ex = explorerOf(family);
  const properties = opts.properties ?? family.properties;
  const alphabet = ex.alphabet(config) as AnyCommand[];
  const drain = opts.drain ?? true;
  let last: SystemUnderTest | null = null;
  // The same factory, remembering the system it built last (to read its final state).
  const build = factory as unknown as (c: WorldConfig) => SystemUnderTest;
  const capture = ((c: WorldConfig) => { last = build(c); return last; }) as unknown as SystemFactory;
  const keyOf = (sys: SystemUnderTest | null): string => ex.key((sys as SystemUnderTest).observe() as WorldObservation, config);
  const base = {
    family: family.name, config, properties: properties.map((p) => p.name), alphabet: alphabet.length,
  };
  const runReplay = (commands: AnyCommand[]) => runCase(factory, config as never, commands as never, properties).failure;
  const perDepth = [1];
  const seen = new Set<string>();
  const done = (r: Omit<ExploreResult, keyof typeof base | 'perDepth' | 'states'>): ExploreResult => ({ ...base, ...r, states: seen.size, perDepth });

  // The initial state: built, checked at its end (drain from the start).
  seen.add(keyOf(build(config)));
  if (drain) {
    const f = runReplay([]);
    if (f) return done({ edges: 0, depthReached: 0, exhaustive: false, stoppedBy: 'failure', failure: { commands: [], failure: f, foundBy: 'drain', statesAtFind: 1, replays: true } });
  }
  let frontier: AnyCommand[][] = [[]];
  let edges = 0;
  for (let d = 0; d < opts.depth; d++) {
    const next: AnyCommand[][] = [];
    perDepth.push(0);
    for (const path of frontier) {
      for (const c of alphabet) {
        const commands = [...path, c];
        last = null;
        edges++;
        const r = runCase(capture, config as never, commands as never, properties, { noDrain: true, auditEvery: 1 });
        if (r.failure) {
          // Judge it as replay will; an audit failure healed by the drain stays reported as found.
          const replayed = runReplay(commands);
          return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'failure', failure: { commands, failure: replayed ?? r.failure, foundBy: 'edge', statesAtFind: seen.size, replays: replayed !== null } });
        }
        const k = keyOf(last);
        if (seen.has(k)) continue;
        seen.add(k);
        perDepth[d + 1]++;
        if (drain) {
          const f = runReplay(commands);
          if (f) return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'failure', failure: { commands, failure: f, foundBy: 'drain', statesAtFind: seen.size, replays: true } });
        }
        next.push(commands);
        if (seen.size >= opts.maxStates) {
          return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'state-limit', failure: null });
        }
      }
    }
    opts.onLevel?.(d + 1, seen.size, edges);
    frontier = next;
    if (frontier.length === 0) {
      perDepth.pop();
      return done({ edges, depthReached: d, exhaustive: true, stoppedBy: 'exhausted', failure: null });
    }
  }
  return done({ edges, depthReached: opts.depth, exhaustive: false, stoppedBy: 'depth', failure: null });
}

