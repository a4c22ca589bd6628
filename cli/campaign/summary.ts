/**
 * How `balloon campaign` and `balloon merge` print a report: a table per family, each failure
 * once with its trace and the command that replays it, one closing line; or, under --json, one
 * object without the traces (they are in the report file and in `traces/`).
 */
import { join } from 'node:path';
import { formatReplayCommand } from '../../traces/save.ts';
import { table } from '../format.ts';
import { isComplete, type CampaignFileReport } from './report.ts';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** `1/2, 2/2`, or `whole` for the one shard of an uncut campaign. */
export function shardsText(r: CampaignFileReport): string {
  return r.shards.length === 1 && r.shards[0].count === 1 ? 'whole' : r.shards.map((s) => `${s.index}/${s.count}`).join(', ');
}

export function summaryText(r: CampaignFileReport, dir: string, reportPath: string | null): string {
  const out: string[] = [];
  const rows = r.settings.families.map((family) => {
    const us = r.units.filter((u) => u.family === family);
    const fs = r.failures.filter((f) => f.family === family);
    return [family, String(us.length), String(us.reduce((n, u) => n + u.runs, 0)), String(us.reduce((n, u) => n + u.steps, 0)), String(fs.length)];
  });
  out.push(table(['family', 'units', 'runs', 'steps', 'failures'], rows));
  for (const f of r.failures) {
    const file = join(dir, f.file);
    out.push('', `✗ ${f.family} ${f.property} (found by ${f.foundIn.length} unit(s): ${f.foundIn.slice(0, 8).join(', ')}${f.foundIn.length > 8 ? ', …' : ''}), step ${f.step}: ${f.message.split('\n')[0].slice(0, 300)}`);
    out.push(`  trace: ${file}`, `  replay: ${formatReplayCommand(file, r.settings.impl)}`);
  }
  const g = r.figures;
  const figures = `${g.runs} runs, ${g.steps} steps in ${secs(g.ms)} (${g.runsPerSecond} runs/s, ${g.stepsPerSecond} steps/s; seed ${r.settings.seed}, shards ${shardsText(r)})`;
  const failed = r.failures.length === 0 ? 'no failure' : `${r.failures.length} distinct failure(s)`;
  out.push('');
  if (r.interrupted) out.push(`INTERRUPTED: partial report, ${r.units.length} unit(s) finished: ${failed} so far; ${figures}`);
  else if (r.partial) out.push(`PARTIAL${r.error ? ` (${r.error})` : ''}: ${failed} in the units present; ${figures}`);
  else out.push(`${r.failures.length === 0 ? 'every property held' : `${r.failures.length} distinct failure(s) FOUND`}: ${figures}`);
  if (reportPath) out.push(`report: ${reportPath}`);
  return out.join('\n');
}

/** The --json summary: the report without its traces, with where it was written. */
export function jsonSummary(r: CampaignFileReport, dir: string, reportPath: string | null) {
  return {
    ok: r.failures.length === 0 && !r.interrupted && !r.partial,
    interrupted: r.interrupted,
    partial: r.partial,
    ...(r.error !== undefined ? { error: r.error } : {}),
    complete: isComplete(r),
    report: reportPath,
    settings: r.settings,
    shards: r.shards,
    figures: r.figures,
    units: r.units.length,
    failures: r.failures.map(({ trace: _t, file, ...f }) => ({ ...f, trace: join(dir, file) })),
  };
}
