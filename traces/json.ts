/**
 * Parsing untrusted JSON text (private to traces/). JSON.parse never runs code and defines
 * `__proto__` as an own property instead of calling the setter, but such keys must still never
 * reach code that copies objects around (a later `{...x}` or `Object.assign` would), so they are
 * refused by path before validation. Errors carry a line and column, which Node 20's messages
 * leave out for some mistakes.
 */
import { fieldPath } from './errors.ts';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonResult =
  | { ok: true; value: unknown }
  | { ok: false; at: string; problem: string };

/**
 * Deepest nesting a trace may have. A saved trace is five levels deep (trace, config, guests, a
 * guest, its features); the limit leaves room for hand-written files and refuses, before
 * JSON.parse builds anything, the 200,000-deep arrays that would make every later walk (and any
 * recursive one) pay for them.
 */
export const MAX_JSON_DEPTH = 64;

/** Parse `text`; on failure say where (line, column) and what, in one line. */
export function parseJson(text: string): JsonResult {
  const deep = tooDeepAt(text, MAX_JSON_DEPTH);
  if (deep >= 0) {
    return { ok: false, at: '', problem: `the JSON is nested more than ${MAX_JSON_DEPTH} levels deep ${where(text, deep)}; a trace is at most a few levels deep` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const offset = errorOffset(text);
    // Node 20 says either "... in JSON at position N" or "Unexpected token 'x', "<snippet>" is not
    // valid JSON"; keep only the words before either, on one line (the snippet may hold newlines).
    const what = (e as Error).message.split(/,\s*(?:\.\.\.)?"|\s+(?:in JSON )?at position \d+/)[0].replace(/\s+/g, ' ');
    const end = offset >= text.trimEnd().length;
    const problem = end
      ? `truncated JSON: the text ends ${where(text, offset)} before the value is complete`
      : `malformed JSON ${where(text, offset)}: ${what}`;
    return { ok: false, at: '', problem };
  }
  const bad = forbiddenKeyPath(value);
  if (bad !== null) return { ok: false, at: bad.path, problem: `the key ${JSON.stringify(bad.key)} is not allowed in a trace` };
  return { ok: true, value };
}

/**
 * Offset of the first `{` or `[` that opens a level deeper than `max`, or -1. One pass over the
 * text that skips strings (a bracket inside a string does not nest); it does not validate, so
 * malformed text is left to JSON.parse.
 */
export function tooDeepAt(text: string, max: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // '"': skip the string, escapes included
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x7b || c === 0x5b) { // '{' '['
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--; // '}' ']'
  }
  return -1;
}

/**
 * The path of the first `__proto__`/`constructor`/`prototype` key. Walks without recursion and
 * keeps one parent link per value instead of a copy of its path, so the walk is linear in the
 * size of the value at any depth; the path is spelled out only for the key it reports.
 */
export function forbiddenKeyPath(root: unknown): { path: string; key: string } | null {
  interface Node { v: unknown; key: PropertyKey; up: Node | null }
  const pathOf = (n: Node | null, last: string): string => {
    const keys: PropertyKey[] = [last];
    for (let x = n; x !== null && x.up !== null; x = x.up) keys.push(x.key);
    return fieldPath(keys.reverse());
  };
  const stack: Node[] = [{ v: root, key: '', up: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const v = node.v;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, up: node });
      continue;
    }
    const keys = Object.keys(v);
    for (const k of keys) if (FORBIDDEN_KEYS.has(k)) return { path: pathOf(node, k), key: k };
    for (let i = keys.length - 1; i >= 0; i--) stack.push({ v: (v as Record<string, unknown>)[keys[i]], key: keys[i], up: node });
  }
  return null;
}

function where(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `at line ${line}, column ${column} (offset ${offset})`;
}

/**
 * Offset of the first character that makes `text` invalid JSON (text.length when it ends too
 * soon). A small scanner that keeps its nesting in an array, so deep input cannot overflow it.
 */
export function errorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && ' \t\n\r'.includes(text[i])) i++; };
  // 'v' a value is expected, 'k' a key (or '}' when first), ',' a separator or closer.
  const stack: ('{' | '[')[] = [];
  let expect: 'v' | 'k' | 'k1' | 'v1' | ',' = 'v';
  const scanString = (): boolean => {
    i++; // opening quote
    while (i < n) {
      const c = text[i];
      if (c === '"') { i++; return true; }
      if (c === '\\') {
        const e = text[i + 1];
        if (e === undefined) { i = n; return false; }
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { i += 2; while (i < n && /[0-9a-fA-F]/.test(text[i])) i++; return false; }
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else { i++; return false; }
      } else if (c < ' ') return false;
      else i++;
    }
    return false;
  };
  const scanScalar = (): boolean => {
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return false;
    const after = text[i + m[0].length];
    i += m[0].length;
    return after === undefined || !/[0-9a-zA-Z.+-]/.test(after);
  };
  for (;;) {
    ws();
    if (i >= n) return n;
    const c = text[i];
    if (expect === 'v' || expect === 'v1') {
      if (c === ']' && expect === 'v1') { stack.pop(); i++; expect = ','; }
      else if (c === '{') { stack.push('{'); i++; expect = 'k1'; }
      else if (c === '[') { stack.push('['); i++; expect = 'v1'; }
      else if (c === '"') { if (!scanString()) return i; expect = ','; }
      else if (!scanScalar()) return i;
      else expect = ',';
    } else if (expect === 'k' || expect === 'k1') {
      if (c === '}' && expect === 'k1') { stack.pop(); i++; expect = ','; continue; }
      if (c !== '"' || !scanString()) return i;
      ws();
      if (text[i] !== ':') return Math.min(i, n);
      i++;
      expect = 'v';
    } else {
      const top = stack[stack.length - 1];
      if (top === undefined) return i; // text after the value
      if (c === ',') { i++; expect = top === '{' ? 'k' : 'v'; }
      else if ((c === '}' && top === '{') || (c === ']' && top === '[')) { stack.pop(); i++; }
      else return i;
    }
  }
}

/** Longest line for which an all-scalar object or array is printed inline. */
const INLINE_WIDTH = 100;

/**
 * JSON with 2-space indentation, except that an object or array holding only scalars goes on one
 * line when it fits: `{ "kind": "driver", "guest": 0 }`. Deterministic for a given value.
 */
export function formatJson(v: unknown, indent = ''): string {

  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const inner = `${indent}  `;
  const entries: [string | null, unknown][] = Array.isArray(v) ? v.map((x) => [null, x]) : Object.entries(v);
  const open = Array.isArray(v) ? '[' : '{';
  const close = Array.isArray(v) ? ']' : '}';
  if (entries.length === 0) return `${open}${close}`;
  const key = (k: string | null) => (k === null ? '' : `${JSON.stringify(k)}: `);
  if (entries.every(([, x]) => x === null || typeof x !== 'object')) {
    const line = Array.isArray(v)
      ? `[${entries.map(([, x]) => JSON.stringify(x)).join(', ')}]`
      : `{ ${entries.map(([k, x]) => `${key(k)}${JSON.stringify(x)}`).join(', ')} }`;
    if (indent.length + line.length <= INLINE_WIDTH) return line;
  }
  return `${open}\n${entries.map(([k, x]) => `${inner}${key(k)}${formatJson(x, inner)}`).join(',\n')}\n${indent}${close}`;
}
