/**
 * Exhaustive exploration of an implementation (issue 21, first part): breadth-first over the
 * states of a system built from a tiny configuration, every command of the family's finite
 * alphabet (Family.explorer) tried in every distinct state, states told apart by the family's
 * canonical key of the observation.
 *
 * What is checked, and how: every edge is a step of the runner (properties/runner.ts) with every
 * property of the family and the full audit after every step: every step property and every
 * audit, in every state, on every edge, as the runner checks them. From every newly found state
 * the case is also finished the way `balloon replay` finishes it (the fair drain and the
 * end-of-run checks: liveness), so a state from which the drain fails is a failure too.
 *
 * Two ways to reach a state. When the system (SystemUnderTest.fork) and every property monitor
 * (PropertyMonitor.fork) can fork, the explorer keeps the case of each frontier state
 * (runner.ts CaseSession) and forks it per command: no replay, each edge costs one step
 * (mode 'fork'). Otherwise it re-executes every edge from the initial state (mode 'replay'),
 * which costs the path's length per edge and says so. Both give the same states, edges and
 * failures (test/explore/fork.test.ts compares them).
 *
 * States are told apart by a 64-bit fingerprint of the family's canonical key (state-key.ts),
 * kept in a typed-array set, not by the key's text; when the system shows hidden state
 * (SystemUnderTest.hiddenKey: a driver's flag, a BUSY the host will give later), it is folded in.
 *
 * The first failure in BFS order is on a shortest path (in commands) among the paths explored:
 * states with equal keys are merged, so "shortest" is relative to the key; a family's key keeps
 * everything its properties read from the observation. The failing case is saved as it is judged
 * by the replay semantics (runner with its defaults), so `balloon replay` reproduces it.
 *
 * Bounds: `depth` (commands) and `maxStates` (distinct states), and, when the caller asks,
 * memory (`memoryLow`: every state left to expand keeps a copy of its case); the result says which
 * one ended the search, and `exhaustive` is true only when the frontier ran dry before all of them.
 * Deterministic: no clock and no memory figure in the search itself (the caller times it and says
 * when memory is low) and no randomness.
 */
import { describeThrown, type AnyCommand, type WorldConfig, type WorldObservation } from '../core/index.ts';
import type { SystemFactory } from '../core/virtio/index.ts';
import type { AnyFamily } from './family.ts';
import type { AnyProperty } from './property.ts';
import { CaseSession, defaultAuditEvery, NO_CRASH, runCase, type Failure } from './runner.ts';
import { FingerprintSet, symmetricObservation, textFingerprint, type Fingerprint } from './state-key.ts';
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
  /** Re-execute every edge from the initial state even when the case could fork (to compare the two). */
  replay?: boolean;
  /**
   * Symmetry reduction (default false): when the family's explorer declares `symmetry`, a state is
   * keyed by its observation with interchangeable guests in canonical order and host frames
   * renamed (state-key.ts symmetricObservation), so states that differ only by which guest is
   * which are one. Ignored for a family that does not declare it, and for a state whose system
   * shows hidden state (hiddenKey names guests by index).
   */
  symmetry?: boolean;
  /**
   * Explore only by forking: when the case cannot fork (an adapter without `fork`), return at once
   * with nothing explored (stoppedBy 'state-limit', 0 edges) instead of replaying every edge.
   * For callers with a time budget, such as the world shrink after a campaign (shrink-world.ts).
   */
  forkOnly?: boolean;
  /**
   * Asked after every MEMORY_POLL new states (default: never): true ends the search as the state
   * limit does, stoppedBy 'memory', with what it found so far, instead of letting the process run
   * out of heap. The caller says what low means (the command line: cli/heap.ts heapLow).
   */
  memoryLow?: () => boolean;
  /** Called after each depth level (progress). */
  onLevel?: (depth: number, states: number, edges: number) => void;
  /**
   * Only the commands of the family's alphabet this keeps (default all): a search around a known
   * failure over the kinds of command it uses (properties/shrink-world.ts). A failure found is then
   * a shortest over that part of the alphabet only.
   */
  only?: (c: AnyCommand) => boolean;
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
  stoppedBy: 'exhausted' | 'depth' | 'state-limit' | 'memory' | 'failure';
  properties: string[];
  alphabet: number;
  failure: ExploreFailure | null;
  /** 'fork': states branched from snapshots of system and monitors; 'replay': every edge re-run from the start. */
  mode: 'fork' | 'replay';
  /** True when states were keyed up to guest and frame symmetry (ExploreOptions.symmetry). */
  symmetry: boolean;
}

/** How often (in new states) the search asks ExploreOptions.memoryLow: each kept state is a few tens of KB. */
export const MEMORY_POLL = 64;

/** Can this case fork (system and every monitor), without throwing? The explorer replays otherwise. */
function canFork(s: CaseSession): boolean {
  try { return s.fork() !== null; } catch { return false; }
}

/** The family's explorer, or a RangeError naming the family. */
export function explorerOf(family: AnyFamily) {
  if (!family.explorer) throw new RangeError(`family ${family.name} declares no explorer (Family.explorer)`);
  return family.explorer;
}

/** One edge's outcome: the case after it, or the failure it met. */
export interface EdgeOutcome { session: CaseSession | null; failure: Failure | null }

/**
 * The pieces of a search, shared by the single-threaded search below and the worker threads of
 * `balloon explore --workers` (cli/explore/): the alphabet, the state fingerprint, one edge (forked
 * or replayed), the drain from a new state, and the case of the initial state.
 */
export interface SearchParts {
  alphabet: AnyCommand[];
  properties: readonly AnyProperty[];
  drain: boolean;
  symmetry: boolean;
  mode: ExploreResult['mode'];
  /** The case of the initial state, or the result of a run that failed before any command. */
  root: CaseSession | ReturnType<typeof runCase>;
  stateFingerprint(s: CaseSession): Fingerprint;
  /** The verdict of the replay semantics (runner with its defaults) on `commands`. */
  runReplay(commands: AnyCommand[]): Failure | null;
  /**
   * The edge `c` from `parent` (forked), or, with no parent case, `commands` re-run from the start.
   * `consume`: the parent's case is not needed after this edge (its last command), so it is
   * stepped itself instead of a fork of it.
   */
  edge(parent: CaseSession | null, commands: AnyCommand[], c: AnyCommand, consume?: boolean): EdgeOutcome;
  /**
   * The drain and end checks from a new state, as replay judges them (its audit interval).
   * `consume`: the state's case is not expanded later (the last level), so it is drained itself
   * instead of a fork of it.
   */
  drainFrom(s: CaseSession, commands: AnyCommand[], consume?: boolean): Failure | null;
}

export function searchParts(family: AnyFamily, factory: SystemFactory, config: WorldConfig, opts: Pick<ExploreOptions, 'properties' | 'replay' | 'symmetry' | 'drain' | 'only'>): SearchParts {
  const ex = explorerOf(family);
  const properties = opts.properties ?? family.properties;
  const alphabet = (ex.alphabet(config) as AnyCommand[]).filter((c) => opts.only?.(c) ?? true);
  const fingerprintOf = (obs: WorldObservation): Fingerprint => (ex.fingerprint ? ex.fingerprint(obs, config) : textFingerprint(ex.key(obs, config)));
  const symmetry = (opts.symmetry ?? false) && ex.symmetry !== undefined;
  // The observation's fingerprint, with the system's hidden state (SystemUnderTest.hiddenKey) folded in when it has some.
  // Up to symmetry when asked, except with hidden state: its text names guests by index, so such a state is keyed as it is.
  const stateFingerprint = (s: CaseSession): Fingerprint => {
    const obs = s.observe() as WorldObservation;
    const hidden = s.hiddenKey();
    if (hidden === '') return fingerprintOf(symmetry ? symmetricObservation(obs, config, ex.symmetry) : obs);
    const f = fingerprintOf(obs);
    return textFingerprint(`${hidden}|${f.hi},${f.lo}`);
  };
  const runReplay = (commands: AnyCommand[]) => runCase(factory, config as never, commands as never, properties).failure;
  // The case of the initial state, audited after every step; it forks when everything in it can.
  const root = CaseSession.open(factory, config as never, properties, { auditEvery: 1 });
  const mode: ExploreResult['mode'] = !opts.replay && root instanceof CaseSession && canFork(root) ? 'fork' : 'replay';
  // One edge: the case after `commands` (forked from its parent's, or re-run from the start).
  const replayEdge = (commands: AnyCommand[]): EdgeOutcome => {
    const s = CaseSession.open(factory, config as never, properties, { auditEvery: 1 });
    if (!(s instanceof CaseSession)) return { session: null, failure: s.failure };
    for (const c of commands) {
      const { failure } = s.step(c as never, false);
      if (failure) return { session: null, failure };
    }
    return { session: s, failure: null };
  };
  const forkEdge = (parent: CaseSession, c: AnyCommand, consume: boolean): EdgeOutcome => {
    let s: CaseSession;
    try { s = consume ? parent : parent.fork()!; } catch (e) {
      return { session: null, failure: { property: NO_CRASH, step: parent.index, phase: 'step', violation: { message: `fork() threw: ${describeThrown(e)}` } } };
    }
    const { failure } = s.step(c as never, false);
    return failure ? { session: null, failure } : { session: s, failure: null };
  };
  const drainFrom = (s: CaseSession, commands: AnyCommand[], consume = false): Failure | null => {
    if (mode === 'replay') return runReplay(commands);
    const d = consume ? s : s.fork()!;
    d.auditEvery = defaultAuditEvery(config as never);
    const f = d.finish();
    // Reported as the replay reports it (the same verdict; the replay's own words and steps).
    return f ? (runReplay(commands) ?? f) : null;
  };
  return {
    alphabet, properties, drain: opts.drain ?? true, symmetry, mode, root, stateFingerprint, runReplay, drainFrom,
    edge: (parent, commands, c, consume = false) => (parent ? forkEdge(parent, c, consume) : replayEdge([...commands, c])),
  };
}

/**
 * The start of a search: its parts, the result when it ends before the first level (a failure
 * at the initial state, or forkOnly with a case that cannot fork), and the initial state's fingerprint.
 */
export function startSearch(family: AnyFamily, factory: SystemFactory, config: WorldConfig, opts: ExploreOptions) {
  const parts = searchParts(family, factory, config, opts);
  const { properties, mode, symmetry, root } = parts;
  const base = {
    family: family.name, config, properties: properties.map((p) => p.name), alphabet: parts.alphabet.length, mode, symmetry,
  };
  const finish = (states: number, perDepth: number[], r: Omit<ExploreResult, keyof typeof base | 'perDepth' | 'states'>): ExploreResult => ({ ...base, ...r, states, perDepth });
  const early = (states: number, r: Omit<ExploreResult, keyof typeof base | 'perDepth' | 'states'>) => ({ parts, finish, early: finish(states, [1], r), rootSession: null, rootFingerprint: null });
  if (mode === 'replay' && opts.forkOnly === true) return early(0, { edges: 0, depthReached: 0, exhaustive: false, stoppedBy: 'state-limit', failure: null });
  // The initial state: built, checked at its end (drain from the start).
  if (!(root instanceof CaseSession)) {
    return early(0, { edges: 0, depthReached: 0, exhaustive: false, stoppedBy: 'failure', failure: { commands: [], failure: root.failure!, foundBy: 'edge', statesAtFind: 0, replays: true } });
  }
  const rootFingerprint = parts.stateFingerprint(root);
  if (parts.drain) {
    const f = parts.runReplay([]);
    if (f) return early(1, { edges: 0, depthReached: 0, exhaustive: false, stoppedBy: 'failure', failure: { commands: [], failure: f, foundBy: 'drain', statesAtFind: 1, replays: true } });
  }
  return { parts, finish, early: null, rootSession: root, rootFingerprint };
}

/** Breadth-first exploration of `factory`'s systems from `config` (see the header). */
export function exploreImplementation(family: AnyFamily, factory: SystemFactory, config: WorldConfig, opts: ExploreOptions): ExploreResult {
  const start = startSearch(family, factory, config, opts);
  if (start.early) return start.early;
  const { parts, finish } = start;
  const { alphabet, drain, mode } = parts;
  const perDepth = [1];
  const seen = new FingerprintSet();
  seen.add(start.rootFingerprint!);
  const done = (r: Parameters<typeof finish>[2]): ExploreResult => finish(seen.size, perDepth, r);

  let frontier: { commands: AnyCommand[]; session: CaseSession | null }[] = [{ commands: [], session: mode === 'fork' ? start.rootSession : null }];
  let edges = 0;
  for (let d = 0; d < opts.depth; d++) {
    const next: typeof frontier = [];
    perDepth.push(0);
    // On the last level a new state's case is never expanded: drained itself, not a fork of it.
    const last = d === opts.depth - 1;
    for (const { commands: path, session } of frontier) {
      for (let i = 0; i < alphabet.length; i++) {
        const c = alphabet[i];
        edges++;
        // The parent's last command steps the parent's case itself (nothing forks from it after).
        const r = parts.edge(session, path, c, i === alphabet.length - 1);
        // The path is built only for an edge that fails or finds a state (most edges find a known one).
        if (r.failure) {
          const commands = [...path, c];
          // Judge it as replay will; an audit failure healed by the drain stays reported as found.
          const replayed = parts.runReplay(commands);
          return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'failure', failure: { commands, failure: replayed ?? r.failure, foundBy: 'edge', statesAtFind: seen.size, replays: replayed !== null } });
        }
        const s = r.session!;
        if (!seen.add(parts.stateFingerprint(s))) continue;
        const commands = [...path, c];
        perDepth[d + 1]++;
        if (drain) {
          const f = parts.drainFrom(s, commands, last);
          if (f) return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'failure', failure: { commands, failure: f, foundBy: 'drain', statesAtFind: seen.size, replays: true } });
        }
        next.push({ commands, session: mode === 'fork' && !last ? s : null });
        if (seen.size >= opts.maxStates) {
          return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'state-limit', failure: null });
        }
        if (seen.size % MEMORY_POLL === 0 && opts.memoryLow?.() === true) {
          return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'memory', failure: null });
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
