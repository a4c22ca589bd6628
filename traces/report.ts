/**
 * The text a person reads after a replay: a header, a per-step table with the failing step
 * marked `>>`, what was violated in the protocol's words, how the run compares with the file's
 * `expect`, and (for failures) a TypeScript program that reproduces the run through the library.
 * Non-verbose tables leave out quiet steps (nothing happened: an empty queue, an idle driver),
 * keeping the steps just before the failure, so a 100-step trace stays a screenful.
 */
import type { Command, Effect } from '../core/virtio/index.ts';
import { familyByName } from '../properties/families.ts';

/** A command in its trace family's words. */
const formatIn = (r: ReplayResult) => (c: Command): string => familyByName(r.trace.family).formatCommand(c);
import type { Property } from '../properties/property.ts';
import type { StepRecord } from '../properties/runner.ts';
import { sourceFaults, sourceName, type Trace } from './format.ts';
import type { ReplayResult, StepSnapshot } from './replay.ts';
import { formatJson } from './json.ts';
import { formatReplayCommand } from './save.ts';

/** Non-verbose tables show at most this many rows; beyond it the middle is cut. */
const MAX_ROWS = 60;
/** Steps before a failure that are always shown, quiet or not. */
const CONTEXT = 3;

/** The whole report of one replay (header, table, failure, verdict, and the program for failures). */
export function formatReplayReport(r: ReplayResult, catalogue: readonly Property[] = []): string {
  const parts = [formatHeader(r), formatStepTable(r), formatOutcome(r, catalogue)];
  if (r.result.failure || r.verbose) parts.push(formatSnippet(r.trace, r.ran));
  return `${parts.join('\n\n')}\n`;
}

export function formatHeader(r: ReplayResult): string {
  const t = r.trace;
  const faults = sourceFaults(t.source);
  const drain = r.result.drained.length;
  const lines = [
    `trace ${r.file ?? '(in memory)'}`,
    `  ${t.family}, impl ${sourceName(t.source)}, faults ${faults.length ? faults.join(', ') : 'none'}, ` +
      `${t.config.guests.length} guest${t.config.guests.length === 1 ? '' : 's'}, ${t.commands.length} command${t.commands.length === 1 ? '' : 's'}` +
      (drain ? ` + ${drain} drain steps` : ''),
  ];
  if (t.note) lines.push(`  ${t.note}`);
  if (t.seed !== undefined) lines.push(`  found with seed ${t.seed}${t.path ? `, path ${t.path}` : ''}`);
  lines.push(...wrap(`properties (${r.ran.length}): ${r.ran.join(', ') || 'none'}`, 96).map((l) => `  ${l}`));
  return lines.join('\n');
}

/** The per-step table. Columns: step, command, result, what changed, balloon, target/actual, host free frames. */
export function formatStepTable(r: ReplayResult): string {
  const failAt = r.result.failure?.step ?? -2;
  const records = r.result.records;
  const show = chooseRows(records, failAt, r.verbose);
  const head = ['', 'step', 'command', 'result', 'balloon b/in/out', 'target/actual', 'host free', 'what changed'];
  const rows: string[][] = [];
  let skipped = 0;
  let inDrain = false;
  const flush = () => {
    if (skipped > 0) rows.push(['', '', `· ${skipped} quiet step${skipped === 1 ? '' : 's'}`, '', '', '', '', '']);
    skipped = 0;
  };
  records.forEach((rec, i) => {
    if (rec.draining && !inDrain) { flush(); rows.push(['', '', '-- fair drain (added by the runner) --', '', '', '', '', '']); inDrain = true; }
    if (!show[i]) { skipped++; return; }
    flush();
    rows.push(row(rec, r.snapshots[rec.index], rec.index === failAt, formatIn(r)));
  });
  flush();
  if (r.result.failure && failAt === -1) rows.push(['>>', 'end', 'after the fair drain', '', '', '', '', 'end-of-run checks']);
  if (records.length === 0) rows.push(['', '', '(no steps ran)', '', '', '', '', '']);
  return table([head, ...rows]);
}

/** What was violated (or that nothing was) and how that compares with the file's `expect`. */
export function formatOutcome(r: ReplayResult, catalogue: readonly Property[] = []): string {
  const f = r.result.failure;
  const lines: string[] = [];
  if (f) {
    const p = catalogue.find((x) => x.name === f.property);
    const when = f.step < 0 ? (f.phase === 'end' ? 'at the end of the run (liveness, after the fair drain)' : 'in the final audit')
      : `after step ${f.step}${f.command ? ` (${formatIn(r)(f.command)})` : ''}${f.phase === 'audit' ? ', in a periodic audit' : ''}`;
    lines.push(`FAILED ${f.property} ${when}`);
    lines.push(`  ${f.violation.message}`);
    const ids = (['guest', 'gpfn', 'frame'] as const).filter((k) => f.violation[k] !== undefined).map((k) => `${k} ${f.violation[k]}`);
    if (ids.length) lines.push(`  (${ids.join(', ')})`);
    if (p) lines.push(`  ${p.name} (${p.kind}): ${p.doc} [${p.refs}]`);
  } else {
    lines.push(`all ${r.ran.length} properties held (${r.result.steps} steps, drain included)`);
  }
  if (r.model !== undefined) {
    lines.push(r.model
      ? `model: the implementation DIVERGED from the statechart after step ${r.model.step}: ${r.model.violation.message}`
      : 'model: the implementation conformed to the statechart at every step');
  }
  lines.push(`verdict: ${verdictLine(r)}`);
  if (r.file) lines.push(`replay: ${formatReplayCommand(r.file)}`);
  return lines.join('\n');
}

function verdictLine(r: ReplayResult): string {
  const e = r.trace.expect;
  const f = r.result.failure;
  const expected = e.verdict === 'fail' ? `${e.property} to fail at ${e.step < 0 ? 'the end of the run' : `step ${e.step}`}` : 'every property to hold';
  const got = f ? `${f.property} failed at ${f.step < 0 ? 'the end of the run' : `step ${f.step}`}` : 'every property held';
  switch (r.verdict) {
    case 'held': return 'held, as the file expects';
    case 'reproduced': return `reproduced: ${got}, as the file expects`;
    case 'failed': return `FAILED: the file expects ${expected}, but ${got}`;
    case 'failed-differently': return `failed differently: the file expects ${expected}, but ${got}`;
    case 'not-reproduced': return `NOT reproduced: the file expects ${expected}, but ${got}`;
  }
}

/**
 * A TypeScript program that runs the trace through the library API, commands as a literal array.
 * A virtio trace is written in virtio's types and factories (`createReferenceSystem`,
 * `referenceWithFaults`); another family's through its Family value (`familyByName`: its
 * `reference`, `withFaults`, `properties`), which is what the library exports for every family.
 *
 * @example
 *   formatSnippet(trace) // "import { createReferenceSystem } from 'balloon-testbed'; ..."
 */
export function formatSnippet(t: Trace, ran: readonly string[] = t.properties): string {
  const module = t.source.kind === 'adapter' ? t.source.module : null;
  const faults = sourceFaults(t.source);
  const cmds = t.commands.map((c) => `  ${commandLiteral(c)},`).join('\n');
  const importModule = module !== null ? [`import createSystem from ${JSON.stringify(/^\.{0,2}\//.test(module) ? module : `./${module}`)};`] : [];
  const head = '// Reproduce with the library (npx tsx repro.ts):';
  if (t.family !== 'virtio') {
    const factory = module !== null ? 'createSystem' : faults.length ? `family.withFaults(${JSON.stringify(faults)})` : 'family.reference';
    return [
      head,
      "import { familyByName, guestId, propertiesByName, runCase } from 'balloon-testbed';",
      ...importModule,
      '',
      `// A ${t.family} trace: its configuration and commands are in the family's own words (docs/families/${t.family}.md);`,
      "// runCase's types are virtio's, so they are handed over as they are.",
      `const family = familyByName(${JSON.stringify(t.family)});`,
      `const config = ${formatJson(t.config)};`,
      'const commands = [',
      cmds,
      '];',
      `const properties = propertiesByName(${JSON.stringify(ran)}, family.properties);`,
      `const { failure } = runCase(${factory}, config as never, commands as never, properties);`,
      "console.log(failure ?? 'every property held');",
    ].join('\n');
  }
  const factory = module !== null ? 'createSystem' : faults.length ? `referenceWithFaults(${JSON.stringify(faults)})` : 'createReferenceSystem';
  return [
    head,
    "import { guestId, type Command, type SystemConfig } from 'balloon-testbed';",
    ...(module !== null ? importModule : [`import { ${faults.length ? 'referenceWithFaults' : 'createReferenceSystem'} } from 'balloon-testbed';`]),
    "import { propertiesByName, runCase } from 'balloon-testbed';",
    '',
    `const config: SystemConfig = ${formatJson(t.config)};`,
    'const commands: Command[] = [',
    cmds,
    '];',
    `const properties = propertiesByName(${JSON.stringify(ran)});`,
    `const { failure } = runCase(${factory}, config, commands, properties);`,
    "console.log(failure ?? 'every property held');",
  ].join('\n');
}

function commandLiteral(c: Command): string {
  const value = (v: unknown) => (typeof v === 'string' ? `'${v}'` : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  const fields = Object.entries(c).map(([k, v]) => (k === 'guest' ? `guest: guestId(${v})` : `${k}: ${value(v)}`));
  return `{ ${fields.join(', ')} }`;
}

/** Which records a table shows: all when verbose; else the ones that did something, plus the run-up to a failure. */
function chooseRows(records: readonly StepRecord[], failAt: number, verbose: boolean): boolean[] {
  if (verbose) return records.map(() => true);
  const show = records.map((rec) => !quiet(rec) || (failAt >= 0 && rec.index <= failAt && rec.index > failAt - CONTEXT));
  const shown = show.filter(Boolean).length;
  if (shown <= MAX_ROWS) return show;
  // Too many: keep the first rows and the ones nearest the failure (or the end of the run).
  const keepHead = 10;
  const lastIdx = failAt >= 0 ? records.findIndex((r) => r.index === failAt) : records.length - 1;
  let budget = MAX_ROWS - keepHead;
  const keep = records.map(() => false);
  let head = 0;
  for (let i = 0; i < records.length && head < keepHead; i++) if (show[i]) { keep[i] = true; head++; }
  for (let i = lastIdx; i >= 0 && budget > 0; i--) if (show[i] && !keep[i]) { keep[i] = true; budget--; }
  return keep;
}

/** A step that changed nothing worth a row: no effects (an empty queue, an idle driver) or only "out of puff". */
function quiet(rec: StepRecord): boolean {
  if (rec.result.outcome === 'refused' && rec.result.code !== 'device/queue-empty') return false;
  return rec.result.effects.every((e) => e.kind === 'out-of-puff');
}

function row(rec: StepRecord, s: StepSnapshot | undefined, failing: boolean, formatCommand: (c: Command) => string): string[] {
  const res = rec.result.outcome === 'accepted' ? 'ok' : `refused ${rec.result.code}`;
  return [
    failing ? '>>' : '',
    String(rec.index),
    formatCommand(rec.command),
    res,
    s ? `${s.ballooned}/${s.inflating}/${s.deflating}` : '',
    `${rec.target}/${rec.actual}`,
    s ? String(s.hostFree) : '',
    changes(rec.result.effects) || '-',
  ];
}

/** The effects of a step, summed up: "mapped 2, released 16, queued inflate#3 (16), actual 16". */
export function changes(effects: readonly Effect[]): string {
  const out: string[] = [];
  const count = (k: Effect['kind']) => effects.filter((e) => e.kind === k).length;
  const mapped = count('frame-mapped');
  const released = count('frame-released');
  if (mapped) out.push(`mapped ${mapped}`);
  if (released) out.push(`released ${released}`);
  for (const e of effects) {
    switch (e.kind) {
      case 'target-set': out.push(e.requested === e.target ? `target ${e.target}` : `target ${e.target} (asked ${e.requested})`); break;
      case 'buffer-queued': out.push(`queued ${e.queue}#${e.id} (${e.gpfns.length}${e.origin === 'driver' ? '' : `, ${e.origin}`})`); break;
      case 'buffer-processed': {
        const codes = [...new Set(e.refused.map((x) => x.code.replace(/^[a-z]+\//, '')))];
        out.push(`served ${e.queue}#${e.id}: ${e.accepted.length} taken` + (e.refused.length ? `, ${e.refused.length} refused (${codes.join(', ')})` : ''));
        break;
      }
      case 'ack-consumed': out.push(`ack ${e.queue}#${e.id}`); break;
      case 'actual-written': out.push(`actual ${e.actual}`); break;
      case 'pages-allocated': out.push(`allocated ${e.gpfns.length}`); break;
      case 'pages-freed': out.push(`freed ${e.gpfns.length}`); break;
      case 'wrote': out.push(`wrote gpfn ${e.gpfn}`); break;
      case 'read': out.push(`read gpfn ${e.gpfn}`); break;
      case 'out-of-puff': out.push('out of puff'); break;
      case 'reset': out.push('reset'); break;
      default: break;
    }
  }
  return out.join(', ');
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (isNote(r) && c === 2 ? 0 : r[c].length))));
  return rows.map((r) => {
    if (isNote(r)) return `${' '.repeat(widths[0] + widths[1] + 2)}  ${r[2]}`;
    return r.map((cell, c) => (c === 1 || (c >= 4 && c <= 6) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  }).join('\n');
}

/** Break `text` at spaces into lines of at most `width` characters (continuations indented). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) { out.push(line); line = `  ${word}`; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

const isNote = (r: string[]) => r[0] === '' && r[1] === '' && r.slice(3).every((x) => x === '');
