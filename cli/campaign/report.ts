/**
 * A campaign's report file (`balloon campaign --out DIR` writes one per shard) and how reports
 * combine (`balloon merge`). A report holds what ran (every unit with its seed, runs and
 * per-property tallies), figures, and each failure once with its shrunk trace, keyed by the trace's
 * content hash (cli/campaign/unit.ts), so merging removes a failure that several units or shards
 * found, and lists everywhere it was found.
 *
 * `comparable(report)` is the part that must not depend on how the campaign was cut: workers,
 * shards, time. A merge of shards 1/N … N/N gives the same comparable value as the whole campaign.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { totalUnits, type Shard } from '../../properties/shard.ts';
import { TOOL, TraceSchema } from '../../traces/format.ts';
import { ensureOutputDir } from '../../traces/output-dir.ts';
import type { UnitResult } from './unit.ts';

export const REPORT_FORMAT = 'balloon-campaign';
export const REPORT_VERSION = 1;

const whole = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);

const SettingsSchema = z.object({
  seed: whole,
  families: z.array(name).min(1),
  faults: z.array(name),
  /** `reference`, or the module path given to `--impl` (shards to merge name the same). */
  impl: z.string().min(1),
  properties: z.array(name).nullable(),
  chunk: whole.min(1),
  maxCommands: whole.min(1),
  /** Runs per family, or a time budget in ms (then the units run are whatever fitted). */
  budget: z.union([z.object({ runs: whole.min(1) }).strict(), z.object({ timeMs: whole.min(1) }).strict()]),
}).strict();

// As `--shard I/N` takes them (properties/shard.ts parseShard: at most six digits, I within 1..N).
const ShardSchema = z.object({ index: whole.min(1).max(999_999), count: whole.min(1).max(999_999) }).strict()
  .refine((s) => s.index <= s.count, { message: 'shard index past the shard count (I must be 1 to N)' });

const UnitSchema = z.object({
  unit: whole, family: name, block: whole, seed: whole, runs: whole, steps: whole,
  properties: z.array(z.object({ name, runs: whole, verdict: z.enum(['held', 'failed']) }).strict()),
  failures: z.array(z.string()),
  ms: whole,
}).strict();

const FailureSchema = z.object({
  key: z.string().regex(/^[0-9a-f]{12}$/), family: name, property: name, step: z.number().int(), message: z.string(),
  foundIn: z.array(whole).min(1),
  /** Where this campaign saved the trace, relative to the report's folder (cli/campaign/pool.ts: traces/NAME.json; nothing else is printed or joined). */
  file: z.string().regex(/^traces\/[\w.-]{1,200}\.json$/),
  trace: TraceSchema,
}).strict();

export const CampaignReportSchema = z.object({
  format: z.literal(REPORT_FORMAT),
  version: z.literal(REPORT_VERSION),
  tool: z.object({ name: z.string(), version: z.string() }).strict(),
  settings: SettingsSchema,
  /** The shards this report holds: one for a campaign, those merged for a merge. */
  shards: z.array(ShardSchema).min(1),
  /** Stopped by Ctrl-C or SIGTERM: the units it holds are those finished before. */
  interrupted: z.boolean(),
  /** It does not hold every unit of its shards (interrupted, a worker failed, or a merge of such). */
  partial: z.boolean(),
  /** Why a shard stopped early other than by a signal (a worker thread failed), else absent. */
  error: z.string().optional(),
  units: z.array(UnitSchema),
  failures: z.array(FailureSchema),
  figures: z.object({ units: whole, runs: whole, steps: whole, ms: whole, workers: whole, runsPerSecond: z.number(), stepsPerSecond: z.number() }).strict(),
}).strict();

export type CampaignSettings = z.infer<typeof SettingsSchema>;
export type CampaignFileReport = z.infer<typeof CampaignReportSchema>;
export type ReportedFailure = CampaignFileReport['failures'][number];

/** The file a shard's report is written to, in `--out`. */
export function reportFileName(settings: CampaignSettings, shard: Shard): string {
  return `campaign-seed${settings.seed}-shard${shard.index}of${shard.count}.json`;
}

/**
 * Build a report from units and failures (in any order: units are sorted by number, failures by
 * where they were first found, each failure once).
 */
export function buildReport(o: {
  settings: CampaignSettings; shards: Shard[]; interrupted: boolean; partial: boolean; error?: string; units: UnitResult[];
  failures: readonly (Omit<ReportedFailure, 'trace'> & { trace: object })[]; ms: number; workers: number;
}): CampaignFileReport {
  const units = [...o.units].sort((a, b) => a.unit - b.unit);
  const byKey = new Map<string, ReportedFailure>();
  for (const f of o.failures) {
    const had = byKey.get(f.key);
    if (had) had.foundIn = [...new Set([...had.foundIn, ...f.foundIn])].sort((a, b) => a - b);
    else byKey.set(f.key, { key: f.key, family: f.family, property: f.property, step: f.step, message: f.message, foundIn: [...f.foundIn].sort((a, b) => a - b), file: f.file, trace: f.trace as ReportedFailure['trace'] });
  }
  const failures = [...byKey.values()].sort((a, b) => a.foundIn[0] - b.foundIn[0] || a.key.localeCompare(b.key));
  const runs = units.reduce((n, u) => n + u.runs, 0);
  const steps = units.reduce((n, u) => n + u.steps, 0);
  const per = (n: number) => (o.ms > 0 ? Math.round((n / o.ms) * 1000 * 10) / 10 : 0);
  const shards = [...new Map(o.shards.map((s) => [`${s.index}/${s.count}`, s])).values()].sort((a, b) => a.index - b.index);
  return {
    format: REPORT_FORMAT, version: REPORT_VERSION, tool: { ...TOOL }, settings: o.settings, shards,
    interrupted: o.interrupted, partial: o.partial, ...(o.error !== undefined ? { error: o.error } : {}), units, failures,
    figures: { units: units.length, runs, steps, ms: Math.round(o.ms), workers: o.workers, runsPerSecond: per(runs), stepsPerSecond: per(steps) },
  };
}

/** Write a report through a temporary file and a rename (a reader never sees half of one); returns the path. */
export function writeReport(dir: string, file: string, report: CampaignFileReport): string {
  ensureOutputDir(dir);
  const path = join(dir, file);
  const tmp = join(dir, `.${file}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}

/** Whether the report holds every unit of the whole campaign (a run budget, all shards, none cut short). */
export function isComplete(r: CampaignFileReport): boolean {
  if (r.partial || r.interrupted) return false;
  const total = 'runs' in r.settings.budget ? totalUnits({ families: r.settings.families, chunk: r.settings.chunk, runsPerFamily: r.settings.budget.runs }) : null;
  if (total === null) return r.shards.length === r.shards[0].count;
  return r.units.length === total;
}

/**
 * What must not depend on workers, shards or time: the settings, each unit's seed, runs, steps,
 * tallies and failures, and each failure (its key, where found, the trace itself).
 */
export function comparable(r: CampaignFileReport) {
  return {
    settings: r.settings,
    units: r.units.map(({ ms: _ms, ...u }) => u),
    failures: r.failures.map(({ file: _file, ...f }) => f),
  };
}
