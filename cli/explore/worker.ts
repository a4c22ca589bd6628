/**
 * One worker thread of `balloon explore --workers` (cli/explore/parallel.ts): it builds the same
 * search as the single-threaded explorer (properties/exhaustive.ts searchParts) with its own copy
 * of the implementation (the reference with its faults, or the user's module behind --impl,
 * opened in this thread as `balloon check` opens it), and answers the coordinator's messages
 * level by level on its port:
 *
 *   level    take this level's frontier (states it kept, states to rebuild by replaying their
 *            path) and try every command from each, in rank order; record each successor in the
 *            shared visited set and keep the case of those whose rank is the smallest so far;
 *            answer with the first failing edge (its rank), if any, or that its heap ran low
 *            (cli/heap.ts heapLow: the level given up);
 *   resolve  after every thread has answered `level`: keep the successors it owns (its rank is
 *            the smallest in the set), drain them in rank order up to the coordinator's limit,
 *            answer with the ranks it owns and the first failing drain, and whether its heap is low;
 *   stop     end the task.
 */
import type { MessagePort } from 'node:worker_threads';
import type { AnyCommand } from '../../core/index.ts';
import { explorerSetup } from '../../properties/explore-at.ts';
import { MEMORY_POLL, searchParts, type SearchParts } from '../../properties/exhaustive.ts';
import { familyByName } from '../../properties/families.ts';
import type { Failure } from '../../properties/runner.ts';
import { SharedFingerprints } from '../../properties/shared-fingerprints.ts';
import type { Fingerprint } from '../../properties/state-key.ts';
import { chooseImplementation } from '../impl-flags.ts';
import { heapLow } from '../heap.ts';
import type { CaseSession } from '../../properties/runner.ts';

/** What a worker needs to build the search: all of it plain data (the family by name, the implementation by its flags). */
export interface WorkerSpec {
  family: string; guests: number; pages: number; variant?: string;
  impl: string; faults: string[]; stepTimeout?: string | boolean;
  /** Property names (default: every property of the family). */
  properties?: string[];
  drain: boolean; symmetry: boolean; replay?: boolean;
}

/** A frontier state given to a worker: its position in the level, and its case (kept from `resolve`, by rank) or its path to replay. */
export interface FrontierEntry { index: number; keep?: number; path?: number[] }

export type ToWorker =
  | { kind: 'level'; depth: number; table?: SharedArrayBuffer; frontier: FrontierEntry[] }
  | { kind: 'resolve'; depth: number; limit: number }
  | { kind: 'stop' };

export type FromWorker =
  | { kind: 'ready'; mode: SearchParts['mode'] }
  | { kind: 'expanded'; failure: { rank: number; failure: Failure } | null; low?: true }
  | { kind: 'resolved'; owned: number[]; failure: { rank: number; failure: Failure } | null; low?: true }
  | { kind: 'error'; message: string };

interface Candidate { rank: number; fingerprint: Fingerprint; session: CaseSession | null; commands: AnyCommand[] }

export default async function runWorker(data: { spec: WorkerSpec; table: SharedArrayBuffer; port: MessagePort }): Promise<void> {
  const { spec, port } = data;
  let table = new SharedFingerprints(data.table);
  const base = familyByName(spec.family);
  const setup = explorerSetup(base, spec.guests, spec.pages, spec.variant);
  const impl = await chooseImplementation({ impl: spec.impl, fault: spec.faults, stepTimeout: spec.stepTimeout }, base);
  const properties = spec.properties ? setup.family.properties.filter((p) => spec.properties!.includes(p.name)) : undefined;
  const parts = searchParts(setup.family, impl.factory, setup.config, { properties, drain: spec.drain, symmetry: spec.symmetry, replay: spec.replay });
  const { alphabet } = parts;
  const A = alphabet.length;
  let candidates = new Map<number, Candidate>();
  let owned: Candidate[] = [];

  const level = (m: Extract<ToWorker, { kind: 'level' }>): FromWorker => {
    if (m.table) table = new SharedFingerprints(m.table);
    const kept = new Map(owned.map((c) => [c.rank, c]));
    owned = [];
    candidates = new Map();
    for (const e of m.frontier) {
      // A state this thread found and owns keeps its case; another thread's is rebuilt from its path (the explorer's replayed edge).
      let parent: { session: CaseSession | null; commands: AnyCommand[] };
      if (e.keep !== undefined) parent = kept.get(e.keep)!;
      else {
        const commands = e.path!.map((i) => alphabet[i]);
        const last = commands.pop();
        parent = last === undefined
          ? { session: parts.mode === 'fork' ? parts.root as CaseSession : null, commands: [] }
          : { session: parts.mode === 'fork' ? parts.edge(null, commands, last).session : null, commands: [...commands, last] };
      }
      for (let i = 0; i < A; i++) {
        const rank = e.index * A + i;
        const r = parts.edge(parent.session, parent.commands, alphabet[i]);
        // Ranks come in order: the first failing edge here is the smallest this thread can report.
        if (r.failure) return { kind: 'expanded', failure: { rank, failure: r.failure } };
        const fingerprint = parts.stateFingerprint(r.session!);
        const ins = table.insert(fingerprint, m.depth, rank);
        if (ins === 'new' || ins === 'kept') {
          candidates.set(rank, { rank, fingerprint, session: parts.mode === 'fork' ? r.session : null, commands: [...parent.commands, alphabet[i]] });
          // This thread's heap holds the cases it keeps: past its limit, the level is given up and the coordinator ends the search.
          if (candidates.size % MEMORY_POLL === 0 && heapLow()) { candidates = new Map(); return { kind: 'expanded', failure: null, low: true }; }
        }
      }
    }
    return { kind: 'expanded', failure: null };
  };

  const resolve = (m: Extract<ToWorker, { kind: 'resolve' }>): FromWorker => {
    owned = [...candidates.values()].filter((c) => table.rankOf(c.fingerprint) === c.rank).sort((a, b) => a.rank - b.rank);
    candidates = new Map();
    let failure: { rank: number; failure: Failure } | null = null;
    if (parts.drain) {
      for (const c of owned) {
        if (c.rank > m.limit) break;
        const f = parts.drainFrom(c.session!, c.commands);
        if (f) { failure = { rank: c.rank, failure: f }; break; }
      }
    }
    return { kind: 'resolved', owned: owned.map((c) => c.rank), failure, ...(heapLow() ? { low: true as const } : {}) };
  };

  try {
    await new Promise<void>((done) => {
      port.on('message', (m: ToWorker) => {
        if (m.kind === 'stop') { done(); return; }
        try {
          port.postMessage(m.kind === 'level' ? level(m) : resolve(m));
        } catch (e) {
          port.postMessage({ kind: 'error', message: (e instanceof Error ? e.message : String(e)).split('\n')[0] } satisfies FromWorker);
        }
      });
      port.postMessage({ kind: 'ready', mode: parts.mode } satisfies FromWorker);
    });
  } finally {
    impl.stop();
    port.close();
  }
}
