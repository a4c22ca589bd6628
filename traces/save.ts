/**
 * Writing trace files. The text is canonical: keys in schema order, 2-space indentation, small
 * all-scalar objects and arrays (a command, a feature set) on one line, a trailing newline. So
 * the same trace always gives the same bytes, the file name's hash is a content address, and a
 * corpus diff shows one line per changed command.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { ensureOutputDir } from './output-dir.ts';
import { join } from 'node:path';
import { isQemuTrace, isXenRealTrace, QemuTraceSchema, TraceSchema, XenRealTraceSchema, type AnyTrace } from './format.ts';
import { formatJson } from './json.ts';
import { contentHash } from './hash.ts';

/** The canonical text of a trace of any source (validated against the schema first: we never write a file we would refuse). */
export function serializeTrace(trace: AnyTrace): string {
  const canonical = isQemuTrace(trace) ? QemuTraceSchema.parse(trace) : isXenRealTrace(trace) ? XenRealTraceSchema.parse(trace) : TraceSchema.parse(trace);
  return `${formatJson(canonical)}\n`;
}

/**
 * The file name `saveTrace` uses: `<property>-<12 hex digits of the content's SHA-256>.json`
 * (traces/hash.ts), with `qemu-` (`xen-real-`) in front for a trace of a real QEMU guest (Xen machine).
 */
export function traceFileName(trace: AnyTrace, text = serializeTrace(trace)): string {
  const label = `${isQemuTrace(trace) ? 'qemu-' : isXenRealTrace(trace) ? 'xen-real-' : ''}${trace.expect.verdict === 'fail' ? trace.expect.property : 'pass'}`;
  const safe = label.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'trace';
  return `${safe}-${contentHash(text)}.json`;
}

/**
 * Write `trace` to `<dir>/<property>-<hash>.json`, creating `dir`; returns the path. The write
 * goes through a temporary file and a rename, so a reader never sees half a trace.
 *
 * @example
 *   const file = saveTrace('traces/failures', trace);
 *   console.log(`replay with: ${formatReplayCommand(file)}`);
 */
export function saveTrace(dir: string, trace: AnyTrace): string {
  const text = serializeTrace(trace);
  const file = join(dir, traceFileName(trace, text));
  ensureOutputDir(dir);
  const tmp = join(dir, `.${traceFileName(trace, text)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text, { flag: 'w' });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return file;
}

/** The command that replays a saved trace: `npx balloon replay <path>` (quoted when it needs to be). */
export function formatReplayCommand(path: string, impl = 'reference'): string {
  const quote = (s: string) => (/^[\w./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  // A trace of a user's module replays only on that module (replay refuses it without --impl).
  return `npx balloon replay ${quote(path)}${impl === 'reference' ? '' : ` --impl ${quote(impl)}`}`;
}
