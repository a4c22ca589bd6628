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
import type { z } from 'zod';
import { configProblems } from '../core/virtio/index.ts';
import { fieldPath, QemuTraceFound, TraceError } from './errors.ts';
import {
  INSTALLED_FAMILIES, KNOWN_COMMAND_KINDS, MAX_TRACE_BYTES, TRACE_FORMAT, TRACE_VERSION, TraceSchema,
  type Trace,
} from './format.ts';
import { parseJson } from './json.ts';
import { checkContentHash, type HashCheck } from './hash.ts';

/**
 * Read and validate a trace file.
 *
 * @example
 *   const trace = loadTrace('traces/corpus/inflate-and-deflate.json');
 *   trace.commands.length; // the steps to replay
 * @throws TraceError with a one-line message naming the file, the field and the problem.
 */
export function loadTrace(file: string): Trace {
  return loadTraceChecked(file).trace;
}

/**
 * `loadTrace`, and whether the file's bytes still match the content hash in its name
 * (traces/hash.ts). A mismatch does not make the trace unusable: the caller decides (replay warns,
 * or refuses under `--strict`).
 *
 * @example
 *   const { trace, hash } = loadTraceChecked(file);
 *   if (hash.status === 'differs') console.warn(hashMismatchProblem(hash));
 */
export function loadTraceChecked(file: string): { trace: Trace; hash: HashCheck } {
  const { text, bytes } = readTraceText(file);
  return { trace: parseTrace(text, file), hash: checkContentHash(file, bytes) };
}

/** Validate the text of a trace; `file` only names it in errors. */
export function parseTrace(text: string, file: string): Trace {
  if (text.trim() === '') throw new TraceError(file, '', 'the file is empty');
  const parsed = parseJson(text);
  if (!parsed.ok) throw new TraceError(file, parsed.at, parsed.problem);
  return validateTrace(parsed.value, file);
}

/** Validate a parsed JSON value as a trace (it must already be free of forbidden keys). */
export function validateTrace(value: unknown, file: string): Trace {
  const fail = (at: string, problem: string): never => { throw new TraceError(file, at, problem); };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('', `expected a JSON object with "format": "${TRACE_FORMAT}", got ${describe(value)}`);
  }
  const top = value as Record<string, unknown>;
  if (!('format' in top)) fail('format', `missing: this is not a balloon trace (expected "format": "${TRACE_FORMAT}")`);
  if (top.format !== TRACE_FORMAT) fail('format', `expected "${TRACE_FORMAT}", got ${show(top.format)}`);
  if (!('version' in top)) fail('version', `missing (this balloon-testbed reads trace format version ${TRACE_VERSION})`);
  if (typeof top.version === 'number' && Number.isInteger(top.version) && top.version > TRACE_VERSION) {
    fail('version', `trace format version ${top.version} is newer than this balloon-testbed reads (version ${TRACE_VERSION}); upgrade balloon-testbed`);
  }
  if (top.version !== TRACE_VERSION) fail('version', `expected ${TRACE_VERSION}, got ${describe(top.version)}`);
  const installed = INSTALLED_FAMILIES.join(', ');
  if (!('family' in top)) fail('family', `missing (installed families: ${installed})`);
  if (!(INSTALLED_FAMILIES as readonly unknown[]).includes(top.family)) {
    fail('family', `the family ${show(top.family)} is not installed (installed families: ${installed})`);
  }

  // qemu/trace.ts writes the same header over a different body (VM steps, not commands).
  if (top.impl === 'qemu') throw new QemuTraceFound(file);

  const r = TraceSchema.safeParse(value);
  if (!r.success) {
    const [first] = r.error.issues;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problems)` : '';
    const { at, problem } = describeIssue(first, value);
    fail(at, problem + more);
  }
  const trace = r.data as Trace;

  if (trace.config.family !== trace.family) {
    fail('config.family', `"${trace.config.family}" does not match the trace's family "${trace.family}"`);
  }
  const problems = configProblems(trace.config);
  if (problems.length > 0) {
    const [first] = problems;
    const cut = first.indexOf(': ');
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : '';
    fail(cut < 0 ? 'config' : `config.${first.slice(0, cut)}`, (cut < 0 ? first : first.slice(cut + 2)) + more);
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
        const known = (disc === 'kind' && path[0] === 'commands' ? KNOWN_COMMAND_KINDS : (options ?? []).map(String)).join(', ');
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
