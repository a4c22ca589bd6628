/**
 * Reading a trace file that may come from anywhere. Every way it can be unusable ends in one
 * TraceError (`file: field path: problem`); nothing in it is ever run as code, and nothing in it
 * is used before the whole file has been validated.
 *
 * Order of checks, so the message names the first thing to fix: the file itself (exists, a
 * regular file, size from fs.stat before any read), the text (UTF-8, JSON), forbidden keys, then
 * format, version and family (a newer or foreign file should say so rather than list field
 * errors), then the fields, the configuration, and ids against the configuration.
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { gpfnSpace } from '../core/world.ts';
import type { z } from 'zod';
import { familyByName } from '../properties/families.ts';
import { fieldPath, TraceError } from './errors.ts';
import {
  INSTALLED_FAMILIES, isQemuTrace, isXenRealTrace, MAX_TRACE_BYTES, QemuTraceSchema, TRACE_FORMAT, TRACE_VERSION, TraceSchema, XenRealTraceSchema,
  type AnyTrace, type QemuTrace, type Trace,
} from './format.ts';
import { QemuTraceV1Schema, TRACE_VERSION_1, TraceV1Schema } from './format-v1.ts';
import { migrateQemuTraceV1, migrateTraceV1 } from './migrate.ts';
import { parseJson } from './json.ts';
import { checkContentHash, type HashCheck } from './hash.ts';

/** The most pages (RAM and holes, over every guest) a trace's configuration may hold. */
export const MAX_TRACE_PAGES = 2 ** 24;

/**
 * Read and validate a trace file of any source: the one loader, for traces of the model, the
 * reference implementation, an adapter and a real QEMU guest alike. Version 1 files are migrated.
 *
 * @example
 *   const t = loadAnyTrace(file);
 *   if (isQemuTrace(t)) replayQemuTrace(t); else replayTrace(t, { ... });
 * @throws TraceError with a one-line message naming the file, the field and the problem.
 */
export function loadAnyTrace(file: string): AnyTrace {
  return loadAnyTraceChecked(file).trace;
}

/**
 * `loadAnyTrace`, and whether the file's bytes still match the content hash in its name
 * (traces/hash.ts). A mismatch does not make the trace unusable: the caller decides (replay warns,
 * or refuses under `--strict`).
 *
 * @example
 *   const { trace, hash } = loadAnyTraceChecked(file);
 *   if (hash.status === 'differs') console.warn(hashMismatchProblem(hash));
 */
export function loadAnyTraceChecked(file: string): { trace: AnyTrace; hash: HashCheck } {
  const { text, bytes } = readTraceText(file);
  return { trace: parseAnyTrace(text, file), hash: checkContentHash(file, bytes) };
}

/** Validate the text of a trace; `file` only names it in errors. */
export function parseAnyTrace(text: string, file: string): AnyTrace {
  if (text.trim() === '') throw new TraceError(file, '', 'the file is empty');
  const parsed = parseJson(text);
  if (!parsed.ok) throw new TraceError(file, parsed.at, parsed.problem);
  return validateAnyTrace(parsed.value, file);
}

/**
 * The same, for a trace of commands: what replays on an implementation and the model. A QEMU
 * trace is refused with a message saying what it is and how to replay it.
 *
 * @example
 *   const trace = loadTrace('traces/corpus/inflate-deflate-cycle.json');
 *   trace.commands.length; // the steps to replay
 */
export function loadTrace(file: string): Trace {
  return commandTrace(loadAnyTrace(file), file);
}

/** `loadTrace` with the hash check of `loadAnyTraceChecked`. */
export function loadTraceChecked(file: string): { trace: Trace; hash: HashCheck } {
  const { trace, hash } = loadAnyTraceChecked(file);
  return { trace: commandTrace(trace, file), hash };
}

/** `parseAnyTrace` for a trace of commands. */
export function parseTrace(text: string, file: string): Trace {
  return commandTrace(parseAnyTrace(text, file), file);
}

/** `validateAnyTrace` for a trace of commands. */
export function validateTrace(value: unknown, file: string): Trace {
  return commandTrace(validateAnyTrace(value, file), file);
}

/** The trace if it is one of commands; else a TraceError at `source` saying what it is. */
export function commandTrace(t: AnyTrace, file: string): Trace {
  if (isQemuTrace(t)) {
    throw new TraceError(file, 'source', 'this trace records a real QEMU guest (VM steps, not commands): only `balloon replay` runs it, on a fresh VM');
  }
  if (isXenRealTrace(t)) {
    throw new TraceError(file, 'source', 'this trace records a real Xen machine (VM steps, not commands): only `balloon replay` runs it, on a fresh machine');
  }
  return t;
}

/** The trace if it is one of a real QEMU guest; else a TraceError at `source`. */
export function qemuTrace(t: AnyTrace, file: string): QemuTrace {
  if (!isQemuTrace(t)) throw new TraceError(file, 'source', `expected a trace of a real QEMU guest, got one of source "${t.source.kind}"`);
  return t;
}

/** Validate a parsed JSON value as a trace of any source and version (it must already be free of forbidden keys). */
export function validateAnyTrace(value: unknown, file: string): AnyTrace {
  const fail = (at: string, problem: string): never => { throw new TraceError(file, at, problem); };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('', `expected a JSON object with "format": "${TRACE_FORMAT}", got ${describe(value)}`);
  }
  const top = value as Record<string, unknown>;
  if (!('format' in top)) fail('format', `missing: this is not a balloon trace (expected "format": "${TRACE_FORMAT}")`);
  if (top.format !== TRACE_FORMAT) fail('format', `expected "${TRACE_FORMAT}", got ${show(top.format)}`);
  if (!('version' in top)) fail('version', `missing (this balloon-testbed reads trace format versions ${TRACE_VERSION_1} and ${TRACE_VERSION})`);
  if (typeof top.version === 'number' && Number.isInteger(top.version) && top.version > TRACE_VERSION) {
    fail('version', `trace format version ${top.version} is newer than this balloon-testbed reads (version ${TRACE_VERSION}); upgrade balloon-testbed`);
  }
  if (top.version !== TRACE_VERSION && top.version !== TRACE_VERSION_1) fail('version', `expected ${TRACE_VERSION} (or ${TRACE_VERSION_1}), got ${describe(top.version)}`);
  const installed = INSTALLED_FAMILIES.join(', ');
  if (!('family' in top)) fail('family', `missing (installed families: ${installed})`);
  if (!(INSTALLED_FAMILIES as readonly unknown[]).includes(top.family)) {
    fail('family', `the family ${show(top.family)} is not installed (installed families: ${installed})`);
  }

  // Validated as written, so a message names the field of the file the user has; then migrated.
  let current: unknown = value;
  if (top.version === TRACE_VERSION_1) {
    current = top.impl === 'qemu'
      ? migrateQemuTraceV1(parseOrFail(QemuTraceV1Schema, value, fail))
      : migrateTraceV1(parseOrFail(TraceV1Schema, value, fail));
  }
  const source = (current as { source?: unknown }).source;
  const qemu = typeof source === 'object' && source !== null && (source as { kind?: unknown }).kind === 'qemu';
  if (qemu) return parseOrFail(QemuTraceSchema, current, fail);
  if (typeof source === 'object' && source !== null && (source as { kind?: unknown }).kind === 'xen-real') return parseOrFail(XenRealTraceSchema, current, fail);
  const trace = parseOrFail(TraceSchema, current, fail) as Trace;

  if (trace.config.family !== trace.family) {
    fail('config.family', `"${trace.config.family}" does not match the trace's family "${trace.family}"`);
  }
  // The trace's family says what a well-formed configuration is (its `family` is installed: checked above).
  const problems = familyByName(trace.family).configProblems(trace.config);
  if (problems.length > 0) {
    const [first] = problems;
    const cut = first.indexOf(': ');
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    fail(cut < 0 ? 'config' : `config.${first.slice(0, cut)}`, (cut < 0 ? first : first.slice(cut + 2)) + more);
  }
  // Each family takes up to 256 guests of 2^24 pages (2^32 in all), which the runner sets up and
  // audits page by page: a trace that large replays for hours, and a replay cannot be stopped
  // inside a case (it is synchronous). Its total is bounded here, well above anything the testbed writes.
  const total = trace.config.guests.reduce((n, g) => n + gpfnSpace(g), 0);
  if (total > MAX_TRACE_PAGES) {
    fail('config.guests', `the guests hold ${total} pages in all (RAM and holes), past the ${MAX_TRACE_PAGES} (2^24) a trace may set up`);
  }
  const guests = trace.config.guests.length;
  trace.commands.forEach((c, i) => {
    if (c.guest >= guests) {
      fail(`commands[${i}].guest`, `guest ${c.guest} is out of range (the config has ${guests} guest${guests === 1 ? '' : 's'}, 0 to ${guests - 1})`);
    }
  });
  const seen = new Set<string>();
  trace.properties.forEach((p, i) => {
    if (seen.has(p)) fail(`properties[${i}]`, `"${p}" is listed twice`);
    seen.add(p);
  });
  return trace;
}

/** `schema.parse(value)`, or `fail` with the first issue in the words of a trace file. */
function parseOrFail<T extends z.ZodType>(schema: T, value: unknown, fail: (at: string, problem: string) => never): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const [first] = r.error.issues;
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
  const { at, problem } = describeIssue(first, value);
  return fail(at, problem + more);
}

/** Read the whole file as text, checking it with fs.stat first and never reading past the limit. */
function readTraceText(file: string): { text: string; bytes: Uint8Array } {
  let size: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new TraceError(file, '', 'is a directory, not a trace file');
    if (!st.isFile()) throw new TraceError(file, '', 'is not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof TraceError) throw e;
    throw new TraceError(file, '', fsProblem(e));
  }
  if (size > MAX_TRACE_BYTES) throw new TraceError(file, '', `the file is ${mib(size)}; a trace may be at most ${mib(MAX_TRACE_BYTES)}`);
  if (size === 0) throw new TraceError(file, '', 'the file is empty');
  let fd: number;
  try { fd = openSync(file, 'r'); } catch (e) { throw new TraceError(file, '', fsProblem(e)); }
  try {
    // The file may have grown since the stat: read at most one byte past the limit and check again.
    const cap = Math.min(fstatSync(fd).size, MAX_TRACE_BYTES) + 1;
    const buf = Buffer.alloc(cap);
    let got = 0;
    for (let n = -1; n !== 0 && got < cap; got += n) n = readSync(fd, buf, got, cap - got, got);
    if (got > MAX_TRACE_BYTES) throw new TraceError(file, '', `the file is over ${mib(MAX_TRACE_BYTES)}, the most a trace may be`);
    try {
      const bytes = buf.subarray(0, got);
      return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes), bytes };
    } catch {
      throw new TraceError(file, '', 'the file is not UTF-8 text');
    }
  } catch (e) {
    if (e instanceof TraceError) throw e;
    throw new TraceError(file, '', fsProblem(e));
  } finally {
    closeSync(fd);
  }
}

function fsProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not a trace file';
  return `cannot read the file (${code ?? (e as Error).message})`;
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;

/** A value as a message shows it: `the string "1"`, `the number 1.5`, `an array`. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v === 'number' ? 'the number' : ''} ${v}`.trim();
  return 'an object';
}

/** A string as it is written in JSON; anything else described. */
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : describe(v));

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const expectedWords: Record<string, string> = {
  int: 'a whole number', number: 'a number', string: 'a string', boolean: 'true or false',
  array: 'an array', object: 'an object',
};

/** One zod issue in the words of a trace file. */
function describeIssue(issue: z.core.$ZodIssue, root: unknown): { at: string; problem: string } {
  const path = issue.path as PropertyKey[];
  const v = valueAt(root, path);
  const at = fieldPath(path);
  switch (issue.code) {
    case 'invalid_type':
      return { at, problem: v === undefined ? `missing (expected ${expectedWords[issue.expected] ?? issue.expected})` : `expected ${expectedWords[issue.expected] ?? issue.expected}, got ${describe(v)}` };
    case 'too_small':
    case 'too_big': {
      const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      if (issue.origin === 'array') return { at, problem: `must list ${word} ${bound} items` };
      if (issue.origin === 'string') return { at, problem: `must be ${word} ${bound} characters long` };
      return { at, problem: `must be ${word} ${bound}, got ${describe(v)}` };
    }
    case 'invalid_value':
      return { at, problem: `expected ${issue.values.map((x) => JSON.stringify(x)).join(' or ')}, got ${show(v)}` };
    case 'unrecognized_keys':
      return { at: fieldPath([...path, issue.keys[0]]), problem: 'unknown field' };
    case 'invalid_union': {
      const { discriminator: disc, options } = issue as { discriminator?: string; options?: unknown[] };
      if (disc) {
        const what = disc === 'kind' && path[0] === 'commands' ? 'command kind' : disc;
        const known = (options ?? []).map(String).join(', ');
        return { at, problem: v === undefined ? `missing ${what} (known: ${known})` : `unknown ${what} ${show(v)} (known: ${known})` };
      }
      return { at, problem: `got ${describe(v)}, which is none of the allowed values` };
    }
    case 'invalid_format':
      return { at, problem: `${describe(v)} is not in the expected form (${issue.format === 'regex' ? `must match ${(issue as { pattern?: string }).pattern}` : issue.format})` };
    default:
      return { at, problem: issue.message };
  }
}
