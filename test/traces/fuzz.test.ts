/**
 * A seeded trace fuzzer: corpus traces mutated every way a hostile or careless hand could
 * (truncation, deep nesting, type swaps, huge numbers, NaN-like strings, unknown, `__proto__` and
 * duplicated keys, unicode, bad bytes, empty arrays, removed fields, ids out of range). Every
 * mutant must end as `balloon replay` would: exit 0 or 1 (it loaded and ran), or 2 (a TraceError,
 * one line), never another exception (a stack trace), and within 5 s. Most mutants run through
 * the library in-process; a sample runs through the real command line.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allProperties } from '../../properties/index.ts';
import { conformance } from '../../properties/conformance.ts';
import { TraceError } from '../../traces/errors.ts';
import { factoryForTrace } from '../../traces/factory.ts';
import { loadTrace } from '../../traces/load.ts';
import { replayTrace } from '../../traces/replay.ts';
import { replayExitCode } from '../../cli/commands/replay.ts';
import { tempDir } from './helpers.ts';

const SEED = Number(process.env.FC_SEED ?? 42);
const MUTANTS = 400;
const CLI_SAMPLE = 8;
const CORPUS = 'traces/corpus';
const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

const KINDS = [
  'truncate', 'deep', 'type-swap', 'huge-number', 'nan-string', 'unknown-key', 'proto-key', 'duplicate-key',
  'unicode', 'bad-bytes', 'empty-array', 'remove-field', 'guest-out-of-range',
] as const;
type Kind = (typeof KINDS)[number];

/** Every path in `v`, the root included. */
function paths(v: Json, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}
const get = (v: Json, p: Path): Json => p.reduce<Json>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string | number, Json>)[k] ?? null : null), v);
function set(v: Json, p: Path, x: Json): void {
  if (p.length === 0) return;
  (get(v, p.slice(0, -1)) as Record<string | number, Json>)[p[p.length - 1]] = x;
}

const PH = '"__FUZZ_PLACEHOLDER__"';
const pick = <T>(xs: readonly T[], n: number): T => xs[n % xs.length];

/** The bytes of one mutant of `text`, chosen by `kind` and the numbers `a`, `b`. */
function mutate(text: string, kind: Kind, a: number, b: number): Buffer {
  const v = JSON.parse(text) as Json;
  const all = paths(v);
  const p = pick(all.slice(1), a);
  const objects = all.filter((q) => { const x = get(v, q); return x !== null && typeof x === 'object' && !Array.isArray(x); });
  const o = pick(objects, a);
  const out = (x: Json, replace?: string) => Buffer.from(replace === undefined ? JSON.stringify(x, null, 2) : JSON.stringify(x, null, 2).replace(PH, replace));
  switch (kind) {
    case 'truncate': return Buffer.from(text.slice(0, a % text.length));
    case 'deep': {
      const d = pick([70, 1000, 100_000, 300_000], b);
      set(v, p, '__FUZZ_PLACEHOLDER__');
      return out(v, b % 2 ? `${'['.repeat(d)}${']'.repeat(d)}` : `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`);
    }
    case 'type-swap': set(v, p, pick<Json>(['1', 1, true, null, {}, [], 'x', 1.5, -1], b)); return out(v);
    case 'huge-number': set(v, p, '__FUZZ_PLACEHOLDER__'); return out(v, pick(['1e999', '-1e999', '1e308', '9007199254740993', '4294967296', '-0', '1e-400', '123456789012345678901234567890'], b));
    case 'nan-string': set(v, p, pick(['NaN', 'Infinity', '-Infinity', '1e3', '0x10', ' 1', '', 'null'], b)); return out(v);
    case 'unknown-key': (get(v, o) as Record<string, Json>)[pick(['zzz', 'Kind', 'guest ', '', 'toString', 'hasOwnProperty'], b)] = 1; return out(v);
    case 'proto-key': {
      const key = pick(['__proto__', 'constructor', 'prototype'], b);
      const opens = [...text.matchAll(/\{/g)].map((m) => m.index!);
      const at = pick(opens, a) + 1;
      return Buffer.from(`${text.slice(0, at)}"${key}": { "polluted": true }, ${text.slice(at)}`);
    }
    case 'duplicate-key': {
      const obj = get(v, o) as Record<string, Json>;
      const keys = Object.keys(obj);
      if (keys.length === 0) return out(v);
      obj.__FUZZ_DUP__ = '__FUZZ_PLACEHOLDER__';
      // JSON.parse keeps the last of two equal keys: the duplicate is written after the original.
      return Buffer.from(out(v).toString().replace(`"__FUZZ_DUP__": ${PH}`, `"${pick(keys, b)}": ${JSON.stringify(pick<Json>([7, 'x', null, [], {}], a))}`));
    }
    case 'unicode': {
      const s = pick(['\u0000', '💥', '\ud800', '\u202e', 'é', '\uffff', 'ǅ', 'ᵍuest'], b);
      const x = get(v, p);
      set(v, p, typeof x === 'string' ? x + s : s);
      // The object at `o` may be gone: `p` may have been it or held it (a string now).
      const obj = b % 3 === 0 ? get(v, o) : null;
      if (obj !== null && typeof obj === 'object') (obj as Record<string, Json>)[`kind${s}`] = 1;
      return out(v);
    }
    case 'bad-bytes': { const buf = Buffer.from(text); buf[a % buf.length] = pick([0xff, 0xc0, 0x80, 0x00], b); return buf; }
    case 'empty-array': {
      const arrays = all.filter((q) => Array.isArray(get(v, q)));
      set(v, pick(arrays, a), []);
      return out(v);
    }
    case 'remove-field': {
      const k = p[p.length - 1];
      const parent = get(v, p.slice(0, -1));
      if (Array.isArray(parent)) parent.splice(k as number, 1); else delete (parent as Record<string, Json>)[k];
      return out(v);
    }
    case 'guest-out-of-range': {
      const t = v as { commands: { guest: Json }[]; config: { guests: Json[] } };
      if (t.commands.length === 0) return out(v);
      pick(t.commands, a).guest = pick<Json>([t.config.guests.length, t.config.guests.length + 1, 255, 256, -1, 2 ** 31, 0.5], b);
      return out(v);
    }
  }
}

interface Mutant { name: string; file: string }

/** The mutants, written to a fresh directory: the same ones for the same seed. */
function mutants(): Mutant[] {
  const dir = tempDir();
  const specs = fc.sample(fc.record({ file: fc.constantFrom(...files), kind: fc.constantFrom(...KINDS), a: fc.nat(), b: fc.nat() }), { seed: SEED, numRuns: MUTANTS });
  return specs.map((s, i) => {
    const name = `${i}-${s.kind}-${s.file}`;
    const file = join(dir, name);
    const bytes = mutate(readFileSync(join(CORPUS, s.file), 'utf8'), s.kind, s.a, s.b);
    writeFileSync(file, bytes);
    return { name, file };
  });
}

/** What `balloon replay FILE` would exit with, through the library: 0, 1 or 2; anything else throws. */
function replayExit(file: string): number {
  try {
    const trace = loadTrace(file);
    const r = replayTrace(trace, { factory: factoryForTrace(trace, file), properties: allProperties, conformance, file });
    return replayExitCode([r], 0);
  } catch (e) {
    if (e instanceof TraceError) {
      expect(e.message, file).not.toContain('\n');
      return 2;
    }
    throw e;
  }
}

describe(`trace fuzzer (seed ${SEED}, ${MUTANTS} mutants of the corpus)`, () => {
  const all = mutants();

  const codes = new Map<string, number>();

  it.each(all.map((m) => [m.name, m.file]))('%s: exit 0, 1 or 2 within 5 s, no other exception', (name, file) => {
    const t = performance.now();
    const code = replayExit(file);
    expect([0, 1, 2]).toContain(code);
    expect(performance.now() - t).toBeLessThan(5000); // a hang guard, not a benchmark
    codes.set(name, code);
  });

  it('every kind of mutation was tried, and most mutants were refused', () => {
    expect(new Set(all.map((m) => m.name.split('-')[1]))).toEqual(new Set(KINDS.map((k) => k.split('-')[0])));
    expect(codes.size).toBe(MUTANTS);
    expect([...codes.values()].filter((c) => c === 2).length).toBeGreaterThan(MUTANTS / 2);
  });

  it(`a sample of ${CLI_SAMPLE} through the real command line: exit 0, 1 or 2, no stack trace`, async () => {
    const sample = all.filter((_, i) => i % Math.floor(MUTANTS / CLI_SAMPLE) === 0).slice(0, CLI_SAMPLE);
    const runs = await Promise.all(sample.map((m) => new Promise<{ m: Mutant; code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/balloon.js', 'replay', m.file], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += String(d); });
      const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('exit', (code) => { clearTimeout(kill); resolve({ m, code, stderr }); });
    })));
    for (const r of runs) {
      expect([0, 1, 2], `${r.m.name}: ${r.stderr}`).toContain(r.code);
      expect(r.stderr, r.m.name).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(replayExit(r.m.file));
    }
  }, 180_000);
});
