/**
 * The campaign's live figures on stderr: a bar on a terminal (runs, runs/s, steps/s, failures,
 * time left), a plain line every PLAIN_EVERY_MS otherwise (a CI log, a pod's log) and one at the
 * end, nothing under --json.
 */
import { SingleBar } from 'cli-progress';
import type { Progress } from './pool.ts';

/** How often the plain (non-terminal) display writes a line, ms. */
export const PLAIN_EVERY_MS = 10_000;

export interface ProgressDisplay { update(p: Progress): void; stop(): void }

const secs = (ms: number) => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)}h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)}m` : `${Math.round(ms / 1000)}s`);

/** What is left: the time budget's remainder, or an estimate from the run rate so far. */
function left(p: Progress): string {
  if (p.leftMs !== null) return secs(p.leftMs);
  if (p.runsTotal === null || p.runs === 0) return '?';
  return `~${secs(((p.runsTotal - p.runs) * p.elapsedMs) / p.runs)}`;
}

const rate = (n: number, ms: number) => (ms > 0 ? Math.round((n / ms) * 1000) : 0);

/** A line of figures, as the plain display writes it. */
export function progressLine(p: Progress): string {
  const units = p.unitsTotal === null ? `${p.unitsDone} units` : `${p.unitsDone}/${p.unitsTotal} units`;
  const runs = p.runsTotal === null ? `${p.runs} runs` : `${p.runs}/${p.runsTotal} runs`;
  return `campaign: ${units}, ${runs}, ${rate(p.runs, p.elapsedMs)} runs/s, ${rate(p.steps, p.elapsedMs)} steps/s, ${p.failures} failure(s), ${left(p)} left`;
}

export function progressDisplay(quiet: boolean): ProgressDisplay {
  if (quiet) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      format: '  {bar} {value}/{total} {what} | {rps} runs/s | {sps} steps/s | {failures} failure(s) | {left} left',
      hideCursor: true, clearOnComplete: true, stream: process.stderr,
    });
    let started = false;
    return {
      update: (p) => {
        const payload = { what: p.runsTotal !== null ? 'runs' : 's', rps: rate(p.runs, p.elapsedMs), sps: rate(p.steps, p.elapsedMs), failures: p.failures, left: left(p) };
        // Under a time budget the bar measures time, in seconds.
        const [value, total] = p.runsTotal !== null ? [p.runs, p.runsTotal] : [Math.round(p.elapsedMs / 1000), Math.round((p.elapsedMs + (p.leftMs ?? 0)) / 1000)];
        if (!started) { bar.start(total, value, payload); started = true; } else bar.update(value, payload);
      },
      stop: () => { if (started) bar.stop(); },
    };
  }
  let last = 0;
  let latest: Progress | null = null;
  return {
    update: (p) => {
      latest = p;
      if (p.elapsedMs - last >= PLAIN_EVERY_MS) { last = p.elapsedMs; process.stderr.write(`${progressLine(p)}\n`); }
    },
    stop: () => { if (latest) process.stderr.write(`${progressLine(latest)}\n`); },
  };
}
