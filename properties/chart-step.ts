/**
 * Charts stepped over immutable snapshots, for the monitors of a forked case (properties/runner.ts
 * CaseSession.fork, the explorer's properties/exhaustive.ts). A conformance monitor keeps one
 * live XState actor per chart in a normal run; a fork of it instead keeps each chart as one
 * snapshot and steps it by the chart's pure transition, so forking it again copies a reference,
 * and a transition already taken from an equal snapshot with an equal event is looked up, not
 * recomputed.
 *
 * `chartStep` is that memoized transition; `snapshotActor` wraps it in the few members of an
 * actor that the conformance monitors use (getSnapshot, send, logic, getPersistedSnapshot), so a
 * family's monitor runs unchanged over it. Only for charts whose actions are all `assign`s (every
 * chart of model/: no spawned children, no delays, no side effects): one inert actor scope serves
 * every transition, as XState's own `transition(logic, snapshot, event)` would build afresh per call.
 */
import { createActor, type Actor, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import { canonicalFingerprint, Hasher, type Fingerprint } from './state-key.ts';
import type { ConformanceHooks } from './family.ts';

interface Memo { cache: Map<number, { next: unknown; refused: boolean }>; scope: object | null }
const memos = new WeakMap<AnyStateMachine, Memo>();
const hasher = new Hasher();
const snapshotPrints = new WeakMap<object, Fingerprint>();
/** Cached transitions kept per chart before the cache starts over. */
const CACHE_MAX = 1 << 18;

/**
 * One event on a chart snapshot: the next snapshot (null: the chart stays on this very snapshot)
 * and whether the chart refused the event (it stayed and no transition of its state takes it: the
 * test the actor-based monitors make). Memoized per chart over the abstract chart state: the key
 * is a fingerprint of the snapshot's state value and context (remembered per snapshot object) and
 * the event (state-key.ts, cut to
 * 53 bits to be an exact number; distinct keys collide with probability about n²/2^54 for n cached
 * steps, at most 2^18 of them: about 4·10^-6). The cached snapshot is XState's own result for an
 * equal snapshot and event (snapshots are never mutated), so a hit gives what `transition` gives.
 * `input` is the chart's input, for the inert scope's actor (created once per chart, never started).
 */
export function chartStep<M extends AnyStateMachine>(logic: M, input: unknown, before: SnapshotFrom<M>, e: unknown): { next: SnapshotFrom<M> | null; refused: boolean } {
  const memo = memoOf(logic);
  // The snapshot's own fingerprint is remembered per snapshot object (snapshots are never
  // mutated, and forks share them), so its context is hashed once, not on every step from it.
  let sf = snapshotPrints.get(before as object);
  if (sf === undefined) {
    const s = before as unknown as { value: unknown; context: unknown };
    sf = canonicalFingerprint([s.value, s.context], undefined, hasher);
    snapshotPrints.set(before as object, sf);
  }
  const ef = canonicalFingerprint(e, undefined, hasher);
  hasher.int(sf.hi); hasher.int(sf.lo); hasher.int(ef.hi); hasher.int(ef.lo);
  const f = hasher.done();
  const key = (f.hi & 0x1fffff) * 0x100000000 + f.lo;
  let r = memo.cache.get(key);
  if (r === undefined) {
    r = chartStepDirect(logic, input, before, e);
    if (memo.cache.size >= CACHE_MAX) memo.cache.clear();
    memo.cache.set(key, r);
  }
  return r as { next: SnapshotFrom<M> | null; refused: boolean };
}

/**
 * One event on a chart snapshot by the chart's pure transition, not memoized: what `chartStep`
 * computes on a miss, for callers whose snapshots seldom repeat. A campaign's cases are such
 * callers: buffer ids, counts and configurations make almost every step new (about 3% hits
 * measured over 1,000 cases of `balloon check`), so hashing the context for the cache costs more
 * than it saves. The same answer as `chartStep` and as an actor's `send` (one inert scope, the
 * same refusal test).
 */
export function chartStepDirect<M extends AnyStateMachine>(logic: M, input: unknown, before: SnapshotFrom<M>, e: unknown): { next: SnapshotFrom<M> | null; refused: boolean } {
  const after = logic.transition(before as never, e as never, scopeOf(logic, input) as never) as unknown;
  const same = after === (before as unknown);
  return { next: same ? null : after as SnapshotFrom<M>, refused: same && logic.getTransitionData(before as never, e as never).length === 0 };
}

/**
 * The chart's initial snapshot for `input`, resolved in the inert scope: what a started actor's
 * first `getSnapshot()` gives, without building an actor (issue 21: one per guest per case).
 */
export function chartInitial<M extends AnyStateMachine>(logic: M, input: unknown): SnapshotFrom<M> {
  return logic.getInitialSnapshot(scopeOf(logic, input) as never, input as never) as SnapshotFrom<M>;
}

function memoOf(logic: AnyStateMachine): Memo {
  let memo = memos.get(logic);
  if (!memo) { memo = { cache: new Map(), scope: null }; memos.set(logic, memo); }
  return memo;
}

/** The chart's inert scope: an actor never started (spawn's parent), every effect a no-op. */
function scopeOf(logic: AnyStateMachine, input: unknown): object {
  const memo = memoOf(logic);
  if (!memo.scope) {
    const self = createActor(logic, { input } as never);
    const none = () => {};
    memo.scope = { self, defer: none, id: '', logger: none, sessionId: '', stopChild: none, system: self.system, emit: none, actionExecutor: none };
  }
  return memo.scope;
}

/**
 * A chart as one snapshot that steps by `chartStep`, with the actor members a conformance
 * monitor reads: a fork of a monitor builds its charts with this from the snapshots it copies.
 */
export function snapshotActor<M extends AnyStateMachine>(logic: M, input: unknown, snapshot: SnapshotFrom<M>): Actor<M> {
  let snap = snapshot;
  const actor = {
    logic,
    getSnapshot: () => snap,
    getPersistedSnapshot: () => snap,
    send(e: unknown) {
      const r = chartStep(logic, input, snap, e);
      if (r.next !== null) snap = r.next;
    },
    start: () => actor,
  };
  return actor as unknown as Actor<M>;
}

/**
 * A conformance monitor's `fork`, unless it has hooks: a fork keeps each chart as its snapshot,
 * stepped by the chart's memoized pure transition (snapshotActor above), so forking it again
 * costs a copy; a monitor with hooks has none, since its counts and charts are its caller's.
 */
export function forkUnlessHooked<M>(hooks: ConformanceHooks, make: () => M): { fork?: () => M } {
  return hooks.onTransitions || hooks.onState || hooks.onCharts ? {} : { fork: make };
}
