/**
 * `balloon view TRACE [--out FILE.html]`: replay a saved trace (traces/replay.ts, the same run as
 * `balloon replay`) and write one self-contained HTML page that steps through it: the host's
 * frames by owner, each guest's pages by state, the statecharts with their current states, the
 * failing step and what was violated (viewer/, docs/VIEWER.md). Exit status: 0 when the page was
 * written, whatever the trace's verdict (the page shows it); 2 for an unusable trace or output.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { DEFAULT_STEP_TIMEOUT_MS, openImplementation, parseStepTimeout } from '../../adapters/index.ts';
import { familyByName, type AnyFamily } from '../../properties/index.ts';
import { TraceError } from '../../traces/errors.ts';
import { factoryForTrace } from '../../traces/factory.ts';
import { loadAnyTraceChecked, loadTrace } from '../../traces/load.ts';
import { writeViewer } from '../../viewer/index.ts';
import { EXIT_OK, UsageError } from '../errors.ts';

interface ViewFlags { out?: string; impl?: string; stepTimeout?: string | boolean; model: boolean }

export function register(program: Command): void {
  program.command('view')
    .description('write an HTML page that steps through a saved trace (frames, pages, statecharts, the failing step)')
    .argument('<trace>', 'a trace file (traces/zoo/*.json, traces/failures/*.json)')
    .option('--out <file>', 'where to write the page (default: the trace\'s path with .html)')
    .option('--impl <module>', 'replay on this adapter (a module whose default export is a SystemFactory; docs/ADAPTERS.md)')
    .option('--step-timeout [ms]', `run the adapter in a worker thread, failing a step that takes longer (default and bare flag: ${DEFAULT_STEP_TIMEOUT_MS} ms; 0 runs it in-process, trusting it)`)
    .option('--no-model', 'do not run the statechart alongside (the conformance property)')
    .action(async function (this: Command, file: string, flags: ViewFlags) {
      const out = flags.out ?? file.replace(/\.json$/i, '') + '.html';
      parseStepTimeout(flags.stepTimeout);
      // Checked before replaying; the default sits beside the trace, whose own errors come first.
      if (flags.out) htmlTarget('--out', out, file);
      // The module is opened as the trace's family (view has no --family: the trace names it).
      const opened = flags.impl ? await openImplementation(flags.impl, { stepTimeout: flags.stepTimeout, family: traceFamily(file) }) : undefined;
      try {
        const written = viewTrace(file, out, { adapter: opened && { path: opened.name, factory: opened.factory }, model: flags.model });
        process.stdout.write(`${viewedLine(written)}\n`);
      } finally {
        opened?.stop();
      }
      (this as Command & { exitCode?: number }).exitCode = EXIT_OK;
    });
}

export interface Viewed { file: string; out: string; steps: number; bytes: number; verdict: string }

/**
 * Load, replay and write the page of one trace. Throws UsageError (one line, exit 2) for a trace
 * that cannot be used.
 */
export function viewTrace(file: string, out: string, opts: { adapter?: { path: string; factory: SystemFactory }; model?: boolean } = {}): Viewed {
  try {
    const trace = loadTrace(file);
    const factory = factoryForTrace(trace, file, opts.adapter);
    // The trace names its family: its properties and its model are the ones replayed (as `balloon replay`).
    const family = familyByName(trace.family);
    const { result, bytes } = writeViewer(trace, out, {
      factory, properties: family.properties, conformance: family.properties.find((p) => p.name === 'conformance'), model: opts.model, file,
    });
    return { file, out, steps: result.result.steps, bytes, verdict: result.verdict };
  } catch (e) {
    if (e instanceof TraceError) throw new UsageError(e.message);
    const code = (e as { code?: string }).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT' || code === 'EROFS') throw new UsageError(`${out}: cannot write the page (${code})`);
    throw e;
  }
}

/** `wrote trace.html (12 steps, 40 KiB; reproduced): open file:///…/trace.html` */
export function viewedLine(v: Viewed): string {
  return `viewer: wrote ${v.out} (${v.steps} step${v.steps === 1 ? '' : 's'}, ${Math.ceil(v.bytes / 1024)} KiB; ${v.verdict}): open ${pathToFileURL(resolve(v.out)).href}`;
}

/** The page's path must be writable: its folder exists and it is not a folder itself (checked before replaying). */
export function htmlTarget(flag: string, out: string, trace: string): void {
  if (sameFile(out, trace)) throw new UsageError(`${flag} ${out}: is the trace itself; give another file name (the page would overwrite the trace)`);
  const dir = dirname(resolve(out));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${flag} ${out}: folder ${dirname(out)} does not exist`);
  if (existsSync(out) && statSync(out).isDirectory()) throw new UsageError(`${flag} ${out}: is a folder; give a file name ending in .html`);
}

/** Do `a` and `b` name one file (the same path, or two links to one file)? */
function sameFile(a: string, b: string): boolean {
  if (resolve(a) === resolve(b)) return true;
  try { return realpathSync(a) === realpathSync(b); } catch { return false; }
}

/** The family a trace file names, for opening --impl as that family; undefined when the file cannot tell (its own errors come when it is read). */
function traceFamily(file: string): AnyFamily | undefined {
  try { return familyByName(loadAnyTraceChecked(file).trace.family); } catch { return undefined; }
}
