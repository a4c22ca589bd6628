/**
 * Running a shard's units on a pool of worker threads (tinypool). Units are handed out in order,
 * one per idle worker; each comes back as a UnitResult, which depends on the unit alone
 * (cli/campaign/unit.ts), so the set of results does not depend on the number of workers or on
 * which finished first. A failure is saved as a trace file as soon as its worker has shrunk it.
 *
 * A time budget stops handing out units at the deadline; units already running finish. An abort
 * (Ctrl-C) ends the workers at once (tinypool terminates a thread whose task is aborted): the
 * units they were running are left out, the failures they had already sent are kept.
 */
import { MessageChannel } from 'node:worker_threads';
import { basename } from 'node:path';
import Tinypool from 'tinypool';
import { shardSize, shardUnits, type Plan } from '../../properties/shard.ts';
import { saveTrace } from '../../traces/save.ts';
import type { FoundFailure, UnitEvent, UnitResult, UnitTask } from './unit.ts';

export interface Progress {
  unitsDone: number;
  /** Units of the shard, or null under a time budget. */
  unitsTotal: number | null;
  /** Search runs done, those of running units included. */
  runs: number;
  runsTotal: number | null;
  /** Steps of finished units. */
  steps: number;
  failures: number;
  elapsedMs: number;
  /** Time budget left, or null under a run budget. */
  leftMs: number | null;
}

export interface ShardRun {
  plan: Plan;
  faults: string[];
  properties: string[] | null;
  maxCommands: number;
  /** `reference`, or a user's module (`--impl`), with its `--step-timeout`. */
  impl?: string;
  stepTimeout?: string | boolean;
  workers: number;
  /** Stop handing out units after this many ms (a time budget), or null. */
  timeMs: number | null;
  /** Where failures' traces are saved (`<out>/traces/`). */
  tracesDir: string;
  signal: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ShardOutcome {
  units: UnitResult[];
  failures: (FoundFailure & { foundIn: number[]; file: string })[];
  interrupted: boolean;
  /** A worker thread failed (not a finding: the tool's own error, or a thread that died): the first, in one line. */
  error: string | null;
  ms: number;
}

/** Run the shard's units; resolves when they are done, the time is up, or the signal aborts. */
export async function runShard(o: ShardRun): Promise<ShardOutcome> {
  const t0 = performance.now();
  const pool = new Tinypool({
    filename: new URL('./worker-entry.js', import.meta.url).href,
    minThreads: o.workers,
    maxThreads: o.workers,
    idleTimeout: 60_000,
  });
  const units: UnitResult[] = [];
  const found = new Map<string, FoundFailure & { foundIn: number[]; file: string }>();
  const running = new Map<number, { abort: AbortController; runs: number }>();
  // Under a run budget the shard's size is known: the progress display counts against it.
  const size = shardSize(o.plan);
  let doneRuns = 0;
  let steps = 0;

  const progress = () => o.onProgress?.({
    unitsDone: units.length, unitsTotal: size?.units ?? null,
    runs: doneRuns + [...running.values()].reduce((n, r) => n + r.runs, 0),
    runsTotal: size?.runs ?? null,
    steps, failures: found.size, elapsedMs: performance.now() - t0,
    leftMs: o.timeMs === null ? null : Math.max(0, o.timeMs - (performance.now() - t0)),
  });
  const keep = (f: FoundFailure, unit: number) => {
    const had = found.get(f.key);
    if (had) { if (!had.foundIn.includes(unit)) had.foundIn.push(unit); return; }
    const file = `traces/${basename(saveTrace(o.tracesDir, f.trace))}`;
    found.set(f.key, { ...f, foundIn: [unit], file });
  };

  const onAbort = () => { for (const r of running.values()) r.abort.abort(); };
  const plan = shardUnits(o.plan);
  const timeUp = () => o.timeMs !== null && performance.now() - t0 >= o.timeMs;
  let next = plan.next();
  const tasks = new Set<Promise<void>>();
  let error: string | null = null;
  const start = () => {
    if (next.done || o.signal.aborted || error !== null || timeUp()) return false;
    const unit = next.value;
    next = plan.next();
    const abort = new AbortController();
    const channel = new MessageChannel();
    running.set(unit.unit, { abort, runs: 0 });
    channel.port1.on('message', (e: UnitEvent) => {
      if (e.kind === 'runs') { const r = running.get(e.unit); if (r) r.runs += e.runs; progress(); } else { keep(e.failure, e.unit); progress(); }
    });
    const task: UnitTask & { port: unknown } = {
      unit, faults: o.faults, properties: o.properties, maxCommands: o.maxCommands, impl: o.impl ?? 'reference',
      ...(o.stepTimeout !== undefined ? { stepTimeout: o.stepTimeout } : {}), port: channel.port2,
    };
    const p = (pool.run(task, { transferList: [channel.port2], signal: abort.signal }) as Promise<{ result: UnitResult; failures: FoundFailure[] }>)
      .then(({ result, failures }) => {
        for (const f of failures) keep(f, result.unit);
        units.push(result);
        doneRuns += result.runs;
        steps += result.steps;
      }, (e: unknown) => {
        // An aborted unit is left out. Anything else (a thread that died, out of memory, or an
        // error of the tool itself) is not a finding: stop the shard, end the other units, and
        // say so, keeping what was done for a partial report.
        if (abort.signal.aborted) return;
        error ??= `a worker thread failed on unit ${unit.unit} (${unit.family}): ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
        onAbort();
      })
      .finally(() => { running.delete(unit.unit); channel.port1.close(); tasks.delete(p); progress(); });
    tasks.add(p);
    return true;
  };
  o.signal.addEventListener('abort', onAbort, { once: true });
  const ticker = setInterval(progress, 500);
  try {
    while (tasks.size < o.workers && start());
    while (tasks.size > 0) {
      await Promise.race(tasks);
      while (tasks.size < o.workers && start());
    }
  } finally {
    clearInterval(ticker);
    o.signal.removeEventListener('abort', onAbort);
    await pool.destroy();
  }
  progress();
  return { units, failures: [...found.values()], interrupted: o.signal.aborted, error, ms: performance.now() - t0 };
}
