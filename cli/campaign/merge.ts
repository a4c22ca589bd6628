/**
 * Combining campaign reports (`balloon merge`): the shards of one campaign, read from files or
 * folders, become one report. Units are joined (a unit held twice, say a shard that was run
 * again, must be the same unit); failures are joined by their key, the trace's content hash, so
 * one failure found by several shards is held once, with every unit that found it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UsageError } from '../errors.ts';
import { buildReport, CampaignReportSchema, REPORT_FORMAT, type CampaignFileReport } from './report.ts';

/** Reports bigger than this are refused before they are read. */
const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** The report files named: a file as it is, a folder's `*.json` files that are campaign reports. */
export function reportFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try { st = statSync(p); } catch { throw new UsageError(`${p}: no such file or folder`); }
    if (!st.isDirectory()) { files.push(p); continue; }
    const inside = readdirSync(p).filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort().map((f) => join(p, f));
    const reports = inside.filter((f) => looksLikeReport(f));
    if (reports.length === 0) throw new UsageError(`${p}: holds no campaign report (files named campaign-*.json, written by balloon campaign --out)`);
    files.push(...reports);
  }
  return [...new Set(files)];
}

function looksLikeReport(file: string): boolean {
  try {
    return statSync(file).size <= MAX_REPORT_BYTES && readFileSync(file, 'utf8').slice(0, 200).includes(`"${REPORT_FORMAT}"`);
  } catch {
    return false;
  }
}

/** Read and validate one report; a bad file is one line, exit 2. */
export function readReport(file: string): CampaignFileReport {
  let text: string;
  try {
    if (statSync(file).size > MAX_REPORT_BYTES) throw new UsageError(`${file}: larger than ${MAX_REPORT_BYTES} bytes, not a campaign report`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try { json = JSON.parse(text); } catch (e) {
    throw new UsageError(`${file}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const parsed = CampaignReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${file}: not a campaign report: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Merge reports of one campaign (same settings and shard count). Throws a UsageError naming the
 * files when they are of different campaigns or disagree on a unit.
 *
 * @example
 *   const merged = mergeReports([readReport('a/campaign-seed1-shard1of2.json'), readReport('b/campaign-seed1-shard2of2.json')]);
 *   merged.failures.length; // each failure once
 */
export function mergeReports(reports: readonly CampaignFileReport[], names: readonly string[] = reports.map((_, i) => `report ${i + 1}`)): CampaignFileReport {
  if (reports.length === 0) throw new UsageError('merge: no report to merge');
  const first = reports[0];
  const units = new Map<number, CampaignFileReport['units'][number]>();
  const unitFrom = new Map<number, string>();
  for (const [i, r] of reports.entries()) {
    if (!isDeepStrictEqual(r.settings, first.settings)) {
      const what = Object.keys(first.settings).find((k) => !isDeepStrictEqual(r.settings[k as keyof typeof r.settings], first.settings[k as keyof typeof first.settings]));
      throw new UsageError(`merge: ${names[i]} is of another campaign than ${names[0]} (${what} differs: ${JSON.stringify(r.settings[what as keyof typeof r.settings])} against ${JSON.stringify(first.settings[what as keyof typeof first.settings])})`);
    }
    if (r.shards[0].count !== first.shards[0].count) {
      throw new UsageError(`merge: ${names[i]} cuts the campaign into ${r.shards[0].count} shards, ${names[0]} into ${first.shards[0].count}: merge shards of one cut`);
    }
    for (const u of r.units) {
      const had = units.get(u.unit);
      if (had && !isDeepStrictEqual({ ...had, ms: 0 }, { ...u, ms: 0 })) {
        throw new UsageError(`merge: unit ${u.unit} differs between ${unitFrom.get(u.unit)} and ${names[i]} (a different build or a changed file?)`);
      }
      if (!had) { units.set(u.unit, u); unitFrom.set(u.unit, names[i]); }
    }
  }
  const shards = reports.flatMap((r) => r.shards);
  const interrupted = reports.some((r) => r.interrupted);
  return buildReport({
    settings: first.settings,
    shards,
    interrupted,
    partial: reports.some((r) => r.partial),
    error: reports.find((r) => r.error !== undefined)?.error,
    units: [...units.values()],
    failures: reports.flatMap((r) => r.failures),
    // Shards run side by side: the merge took as long as the longest.
    ms: Math.max(...reports.map((r) => r.figures.ms)),
    workers: reports.reduce((n, r) => n + r.figures.workers, 0),
  });
}
