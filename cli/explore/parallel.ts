/**
 * `balloon explore --workers W` (issue 21): the breadth-first search of properties/exhaustive.ts
 * shared by W worker threads (tinypool; cli/explore/worker.ts), level by level, with the same
 * result as the single-threaded search for any W: the same distinct states, edges, per-depth
 * counts, stopping reason and shortest failing case.
 *
 * Level-synchronous: the coordinator (this thread) hands each worker a share of the level's
 * frontier, the workers expand it in parallel, recording successors in a shared visited set of
 * 64-bit fingerprints (properties/shared-fingerprints.ts: a SharedArrayBuffer, open addressing,
 * Atomics.compareExchange), and wait at a barrier (every worker's answer) before the next level,
 * so every state is found at its shortest depth.
 *
 * Determinism. Every edge has a rank: its parent's position in its level times the alphabet's
 * size plus the command's position, the order in which the single-threaded search takes edges;
 * a level's states are in the order of the ranks that found them. A state found by several edges
 * of its level keeps the smallest rank (an atomic minimum), and the worker that ran that edge owns
 * it: keeps its case (fork mode) and runs the drain from it. From the ranks the coordinator
 * computes what the single-threaded search would have stopped at: the first failing edge, the
 * first new state whose drain fails, or the new state that reaches --max-states, whichever has
 * the smallest rank. Workers drain only up to that rank, and the failure reported is the one of
 * the smallest rank at the first failing depth: the same case, with the same path, for any W.
 * The cost of the last level differs: a worker cannot know that another one will stop the level
 * early, so the edges of the last level are all run (only the drains stop at the limit).
 * Memory is the exception: each worker watches its own heap (cli/heap.ts heapLow), and when one
 * runs low the search ends at the last whole level (stoppedBy 'memory'), where the single-threaded
 * search, watching one heap, ends at a state of its own.
 *
 * Balance. Owners keep their states; beyond an equal share a state goes to a worker with fewer,
 * which rebuilds its case by replaying its path (the cost of one replayed edge); in replay mode
 * (no fork) nothing is kept and nothing moves.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import Tinypool from 'tinypool';
import type { AnyCommand, WorldConfig } from '../../core/index.ts';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { startSearch, type ExploreOptions, type ExploreResult } from '../../properties/exhaustive.ts';
import type { AnyFamily } from '../../properties/family.ts';
import type { Failure } from '../../properties/runner.ts';
import { SharedFingerprints } from '../../properties/shared-fingerprints.ts';
import type { FromWorker, FrontierEntry, ToWorker, WorkerSpec } from './worker.ts';

export type { WorkerSpec } from './worker.ts';

/** A worker and its port: one request, one answer. */
class Channel {
  private waiting: ((m: FromWorker) => void) | null = null;
  private ready: Promise<FromWorker>;
  constructor(readonly port: MessagePort) {
    this.ready = this.next();
    port.on('message', (m: FromWorker) => { const w = this.waiting; this.waiting = null; w?.(m); });
  }
  private next(): Promise<FromWorker> { return new Promise((r) => { this.waiting = r; }); }
  async started(): Promise<FromWorker> { return this.ready; }
  ask(m: ToWorker): Promise<FromWorker> { const p = this.next(); this.port.postMessage(m); return p; }
}

function answer<K extends FromWorker['kind']>(m: FromWorker, kind: K): Extract<FromWorker, { kind: K }> {
  if (m.kind === 'error') throw new Error(`explore worker: ${m.message}`);
  if (m.kind !== kind) throw new Error(`explore worker: expected ${kind}, got ${m.kind}`);
  return m as Extract<FromWorker, { kind: K }>;
}

/**
 * The search of exploreImplementation on `workers` threads. `family`, `factory` and `config` are
 * this thread's (the initial state is checked here); `spec` says how each worker builds its own.
 */
export async function exploreParallel(family: AnyFamily, factory: SystemFactory, config: WorldConfig, spec: WorkerSpec, opts: ExploreOptions & {
  workers: number;
  /** Called once every worker thread has started and built its search (the threads' start is most of a small search's time). */
  onReady?: () => void;
}): Promise<ExploreResult> {
  const start = startSearch(family, factory, config, { ...opts, drain: spec.drain, symmetry: spec.symmetry, replay: spec.replay });
  if (start.early) return start.early;
  const { parts, finish } = start;
  const A = parts.alphabet.length;
  const W = opts.workers;
  let table = SharedFingerprints.create(1024);
  table.insert(start.rootFingerprint!, 0, 0);
  const pool = new Tinypool({ filename: new URL('./worker-entry.js', import.meta.url).href, minThreads: W, maxThreads: W, idleTimeout: 60_000 });
  const channels: Channel[] = [];
  const tasks: Promise<unknown>[] = [];
  let failed: unknown = null;
  for (let w = 0; w < W; w++) {
    const { port1, port2 } = new MessageChannel();
    channels.push(new Channel(port1));
    tasks.push(pool.run({ spec, table: table.buffer, port: port2 }, { transferList: [port2] }).catch((e: unknown) => { failed ??= e; }));
  }
  // A worker that dies answers nothing: every wait also ends when a task ends before it is told to stop.
  const dead = Promise.race(tasks).then(() => { throw new Error(`explore worker: a worker thread ended early${failed instanceof Error ? `: ${failed.message.split('\n')[0]}` : ''}`); });
  dead.catch(() => {});
  const all = <T>(ps: Promise<T>[]) => Promise.race([Promise.all(ps), dead]);
  try {
    for (const m of await all(channels.map((c) => c.started()))) {
      // The same implementation must fork in every thread, or kept cases and replayed ones would mix.
      if (answer(m, 'ready').mode !== parts.mode) throw new Error(`explore worker: the implementation is in ${(m as { mode: string }).mode} mode in a worker thread and in ${parts.mode} mode here`);
    }
    opts.onReady?.();
    const perDepth = [1];
    let states = 1;
    let edges = 0;
    // The level's frontier in the single-threaded order: each state's path (command positions) and the worker that holds its case.
    let frontier: { path: number[]; owner: number; rank: number }[] = [{ path: [], owner: -1, rank: -1 }];
    const done = (r: Parameters<typeof finish>[2]) => finish(states, perDepth, r);
    for (let d = 0; d < opts.depth; d++) {
      if (frontier.length * A > 0x7fffffff) throw new Error(`explore --workers: a level of ${frontier.length} states × ${A} commands is past the ranks the shared set holds (2^31)`);
      const grown = table.ensure(states + frontier.length * A);
      const newTable = grown !== table ? grown.buffer : undefined;
      table = grown;
      perDepth.push(0);
      const shares = share(frontier, W);
      const expanded = (await all(channels.map((c, w) => c.ask({ kind: 'level', depth: d + 1, frontier: shares[w], ...(newTable ? { table: newTable } : {}) })))).map((m) => answer(m, 'expanded'));
      // A worker whose heap ran low gave the level up: the search ends at the last whole level.
      if (expanded.some((m) => m.low)) {
        perDepth.pop();
        return done({ edges, depthReached: d, exhaustive: false, stoppedBy: 'memory', failure: null });
      }
      const edgeFail = smallest(expanded.map((m) => m.failure));
      const ranks = table.ranksAt(d + 1).filter((r) => edgeFail === null || r < edgeFail.rank);
      // The new state that reaches --max-states, if this level holds it.
      const need = Math.max(1, opts.maxStates - states);
      const limitRank = ranks.length >= need ? ranks[need - 1] : Infinity;
      const limit = Math.min(limitRank, edgeFail ? edgeFail.rank - 1 : Infinity);
      const resolved = (await all(channels.map((c) => c.ask({ kind: 'resolve', depth: d + 1, limit: Number.isFinite(limit) ? limit : 0x7fffffff })))).map((m) => answer(m, 'resolved'));
      const drainFail = smallest(resolved.map((m) => m.failure));
      const pathOf = (rank: number) => [...frontier[Math.floor(rank / A)].path, rank % A];
      const commandsOf = (rank: number): AnyCommand[] => pathOf(rank).map((i) => parts.alphabet[i]);
      const edgeFirst = edgeFail !== null && edgeFail.rank < limitRank && (drainFail === null || edgeFail.rank < drainFail.rank);
      if (edgeFirst || drainFail) {
        const f = edgeFirst ? edgeFail! : drainFail!;
        const found = ranks.filter((r) => r < f.rank).length + (edgeFirst ? 0 : 1);
        states += found; perDepth[d + 1] = found; edges += f.rank + 1;
        const commands = commandsOf(f.rank);
        // An edge's failure is judged as replay will (as the single-threaded search does); a drain's worker has judged it already.
        const replayed = edgeFirst ? parts.runReplay(commands) : f.failure;
        return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'failure', failure: { commands, failure: replayed ?? f.failure, foundBy: edgeFirst ? 'edge' : 'drain', statesAtFind: states, replays: replayed !== null } });
      }
      if (Number.isFinite(limitRank)) {
        states += need; perDepth[d + 1] = need; edges += limitRank + 1;
        return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'state-limit', failure: null });
      }
      states += ranks.length; perDepth[d + 1] = ranks.length; edges += frontier.length * A;
      opts.onLevel?.(d + 1, states, edges);
      // The level is whole; a worker low on heap after it cannot hold the next one.
      if (resolved.some((m) => m.low)) return done({ edges, depthReached: d + 1, exhaustive: false, stoppedBy: 'memory', failure: null });
      const owner = new Map<number, number>();
      resolved.forEach((m, w) => { for (const r of m.owned) owner.set(r, w); });
      frontier = ranks.map((r) => ({ path: pathOf(r), owner: parts.mode === 'fork' ? owner.get(r)! : -1, rank: r }));
      if (frontier.length === 0) {
        perDepth.pop();
        return done({ edges, depthReached: d, exhaustive: true, stoppedBy: 'exhausted', failure: null });
      }
    }
    return done({ edges, depthReached: opts.depth, exhaustive: false, stoppedBy: 'depth', failure: null });
  } finally {
    for (const c of channels) { c.port.postMessage({ kind: 'stop' } satisfies ToWorker); c.port.close(); }
    await Promise.all(tasks);
    await pool.destroy();
  }
}

/** The failure of the smallest rank among the workers' answers. */
function smallest(fs: ({ rank: number; failure: Failure } | null)[]): { rank: number; failure: Failure } | null {
  let best: { rank: number; failure: Failure } | null = null;
  for (const f of fs) if (f && (!best || f.rank < best.rank)) best = f;
  return best;
}

/**
 * Each worker's share of the frontier, in the level's order: an owner keeps its states up to an
 * equal share; the rest go, in order, to the workers below their share, to be rebuilt from their paths.
 */
function share(frontier: { path: number[]; owner: number; rank: number }[], W: number): FrontierEntry[][] {
  const quota = Math.ceil(frontier.length / W);
  const out: FrontierEntry[][] = Array.from({ length: W }, () => []);
  const moving: number[] = [];
  frontier.forEach((s, index) => {
    if (s.owner >= 0 && out[s.owner].length < quota) out[s.owner].push({ index, keep: s.rank });
    else moving.push(index);
  });
  let w = 0;
  for (const index of moving) {
    while (out[w].length >= quota) w++;
    out[w].push({ index, path: frontier[index].path });
  }
  for (const s of out) s.sort((a, b) => a.index - b.index);
  return out;
}
