/**
 * `balloon merge PATH...`: combine the reports of a campaign's shards (files, or folders holding
 * them) into one: every unit once, every failure once (by its trace's content hash) with all the
 * units that found it. Prints the summary; `--out DIR` writes the merged report there and copies
 * each failure's trace into `DIR/traces/`. Exit 1 when a failure survives the merge, or when the
 * reports do not make up the whole campaign (a shard missing, a shard cut short): a hunt with a
 * hole in it is not a pass. Exit 2 for files that are not reports or are of different campaigns.
 */
import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import type { AnyTrace } from '../../traces/format.ts';
import { saveTrace } from '../../traces/save.ts';
import { EXIT_FAILED, EXIT_OK } from '../errors.ts';
import { mergeReports, readReport, reportFiles } from '../campaign/merge.ts';
import { isComplete, writeReport } from '../campaign/report.ts';
import { jsonSummary, summaryText } from '../campaign/summary.ts';
import { outDirFlag } from './check.ts';

interface Flags { out?: string; json?: boolean }

export function register(program: Command): void {
  program.command('merge')
    .description('combine the reports of a campaign\'s shards: each failure once; exit 1 if any failure survives or a shard is missing')
    .argument('<paths...>', 'report files, or folders holding them (balloon campaign --out)')
    .option('--out <dir>', 'write the merged report and the failures\' traces here')
    .option('--json', 'print the summary as JSON')
    .action(function (this: Command, paths: string[], flags: Flags) {
      (this as Command & { exitCode?: number }).exitCode = merge(paths, flags);
    });
}

function merge(paths: string[], flags: Flags): number {
  const files = reportFiles(paths);
  const reports = files.map(readReport);
  const merged = mergeReports(reports, files);
  // Made once the reports are read and merged: a bad one leaves no folder behind.
  if (flags.out !== undefined) outDirFlag(flags.out);
  let dir = '';
  let path: string | null = null;
  if (flags.out !== undefined) {
    dir = flags.out;
    for (const f of merged.failures) saveTrace(join(dir, 'traces'), f.trace as unknown as AnyTrace);
    path = writeReport(dir, `campaign-seed${merged.settings.seed}-merged.json`, merged);
  } else {
    // Without --out, point at the trace each failure's own shard saved.
    for (const f of merged.failures) {
      const i = reports.findIndex((r) => r.failures.some((x) => x.key === f.key));
      f.file = join(dirname(files[i]), f.file);
    }
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(jsonSummary(merged, dir, path), null, 2)}\n`);
  else process.stdout.write(`${summaryText(merged, dir, path)}\n`);
  const complete = isComplete(merged);
  if (!complete) {
    const n = merged.shards[0].count;
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !merged.shards.some((s) => s.index === i));
    process.stderr.write(`balloon merge: INCOMPLETE: ${missing.length > 0 ? `shard(s) ${missing.map((i) => `${i}/${n}`).join(', ')} missing` : 'a shard was cut short'}; the merged report does not cover the whole campaign\n`);
  }
  if (merged.failures.length > 0 || !complete) return EXIT_FAILED;
  return EXIT_OK;
}


