// `balloon replay` in-process: exit 0 held, 1 a property failed (reproduced or not), 2 unusable
// input, one line per bad file on stderr and nothing else for it.
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeTrace, traceFileName } from '../../traces/save.ts';
import { runCli, smallTrace, tempDir, writeFile } from './helpers.ts';

const LEAKY = 'test/traces/fixtures/leaky-impl.ts';
const good = (dir: string, over = {}) => writeFile(dir, 'good.json', serializeTrace(smallTrace(over)));
const plain = (): Record<string, any> => JSON.parse(serializeTrace(smallTrace()));
/** The small trace as format version 1 wrote it: `impl` and `faults` where version 2 has `source`. */
const v1 = (over: Record<string, unknown> = {}): Record<string, any> => {
  const { source: _source, ...rest } = plain();
  return { ...rest, version: 1, impl: 'reference', faults: [], ...over };
};
/** Files of BAD to replay with --strict. */
const STRICT = new Set<string>();

/** Each unusable input: how to make it in `dir`, and the problem the one line must state. */
const BAD: { name: string; make: (dir: string) => string; problem: string | RegExp }[] = [
  { name: 'a missing file', make: (d) => join(d, 'missing.json'), problem: 'no such file' },
  { name: 'a directory', make: (d) => { mkdirSync(join(d, 'dir.json')); return join(d, 'dir.json'); }, problem: 'is a directory, not a trace file' },
  { name: 'an empty file', make: (d) => writeFile(d, 'empty.json', ''), problem: 'the file is empty' },
  { name: 'malformed JSON', make: (d) => writeFile(d, 'm.json', '{"format": "balloon-trace", "version": 1,, }'), problem: 'malformed JSON at line 1, column 42 (offset 41): Expected double-quoted property name' },
  { name: 'truncated JSON', make: (d) => writeFile(d, 't.json', serializeTrace(smallTrace()).slice(0, 120)), problem: /^truncated JSON: the text ends at line \d+, column \d+ \(offset 120\) before the value is complete$/ },
  { name: 'a wrong format', make: (d) => writeFile(d, 'f.json', { ...plain(), format: 'har' }), problem: 'format: expected "balloon-trace", got "har"' },
  { name: 'a missing version', make: (d) => { const v = plain(); delete v.version; return writeFile(d, 'v.json', v); }, problem: 'version: missing (this balloon-testbed reads trace format versions 1 and 2)' },
  { name: 'a newer version', make: (d) => writeFile(d, 'v.json', { ...plain(), version: 3 }), problem: 'version: trace format version 3 is newer than this balloon-testbed reads (version 2); upgrade balloon-testbed' },
  { name: 'an unknown command type', make: (d) => { const v = plain(); v.commands[2].kind = 'balloon-pop'; return writeFile(d, 'k.json', v); }, problem: 'commands[2].kind: unknown command kind "balloon-pop" (known: set-target, driver, device, alloc, free, write, read, reset, report, hostile, hint)' },
  { name: 'a wrong field type', make: (d) => { const v = plain(); v.commands[1].guest = '0'; return writeFile(d, 't.json', v); }, problem: 'commands[1].guest: expected a number, got the string "0"' },
  { name: 'a guest id out of range', make: (d) => { const v = plain(); v.commands[3].guest = 2; return writeFile(d, 'g.json', v); }, problem: 'commands[3].guest: guest 2 is out of range (the config has 2 guests, 0 to 1)' },
  { name: 'a __proto__ key', make: (d) => writeFile(d, 'p.json', serializeTrace(smallTrace()).replace('"expect": {', '"expect": { "__proto__": { "isAdmin": true },')), problem: 'expect.__proto__: the key "__proto__" is not allowed in a trace' },
  { name: 'a trace nested 200,000 deep', make: (d) => writeFile(d, 'deep.json', `{"format":"balloon-trace","version":1,"note":${'['.repeat(200_000)}${']'.repeat(200_000)}}`), problem: 'the JSON is nested more than 64 levels deep at line 1, column 109 (offset 108); a trace is at most a few levels deep' },
  { name: 'an edited file under --strict', make: (d) => { const f = writeFile(d, 'pass-000000000000.json', serializeTrace(smallTrace())); STRICT.add(f); return f; }, problem: /^the content hash in the file name is 000000000000 but the content hashes to [0-9a-f]{12}: the file was changed after it was saved \(--strict\)$/ },
  { name: 'a 50 MB file', make: (d) => { const f = join(d, 'big.json'); writeFileSync(f, ''); truncateSync(f, 50 * 1024 * 1024); return f; }, problem: 'the file is 50.0 MiB; a trace may be at most 16.0 MiB' },
  { name: 'a family that is not installed', make: (d) => writeFile(d, 'x.json', { ...plain(), family: 'bhyve' }), problem: 'family: the family "bhyve" is not installed (installed families: virtio, xen, vmware, hyperv, virtualbox)' },
  { name: 'a config problem', make: (d) => { const v = plain(); v.config.guests[0].floorPages = 999; return writeFile(d, 'c.json', v); }, problem: 'config.guests[0].floorPages: must be a whole number from 0 to ramPages' },
  { name: 'an unknown property', make: (d) => writeFile(d, 'u.json', { ...plain(), properties: ['frames-conserved', 'tea-is-hot'] }), problem: /^properties\[1\]: unknown property "tea-is-hot" \(known: no-double-mapping, .*conformance, command-contract, effects-agree, purpose, hint-contract, hint-data-oracle, hint-device-drops, hint-follows-host\)$/ },
  { name: 'guests past 2^24 pages in all', make: (d) => { const v = plain(); for (const g of v.config.guests) g.ramPages = 2 ** 24; return writeFile(d, 'h.json', v); }, problem: /^config\.guests: the guests hold 3355\d{4} pages in all \(RAM and holes\), past the 16777216 \(2\^24\) a trace may set up$/ },
  { name: 'an expected failure of a property it does not run', make: (d) => writeFile(d, 'e.json', { ...plain(), expect: { verdict: 'fail', property: 'nope', step: 0, message: 'x' } }), problem: /^expect\.property: expects a failure of "nope", which is not among the properties it runs \(.*\) nor no-crash$/ },
  { name: 'an unknown fault', make: (d) => writeFile(d, 'u.json', { ...plain(), source: { kind: 'reference', faults: ['gremlins'] } }), problem: /^source\.faults\[0\]: unknown virtio fault "gremlins" \(known: oom-deadlock, .*\)$/ },
  { name: 'an adapter not named with --impl', make: (d) => writeFile(d, 'a.json', { ...plain(), source: { kind: 'adapter', module: LEAKY } }), problem: `source.module: the trace was recorded on "${LEAKY}"; a trace never loads code by itself, pass --impl ${LEAKY} to replay it there` },
  { name: 'a version 1 adapter trace not named with --impl', make: (d) => writeFile(d, 'a1.json', v1({ impl: LEAKY })), problem: `source.module: the trace was recorded on "${LEAKY}"; a trace never loads code by itself, pass --impl ${LEAKY} to replay it there` },
  { name: 'a version 1 trace with an unknown fault', make: (d) => writeFile(d, 'u1.json', v1({ faults: ['gremlins'] })), problem: /^source\.faults\[0\]: unknown virtio fault "gremlins" \(known: oom-deadlock, .*\)$/ },
];

describe('balloon replay', () => {
  it('exits 0 when every property held, as the file expects', async () => {
    const r = await runCli(['replay', good(tempDir())]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('verdict: held, as the file expects');
    expect(r.code).toBe(0);
  });

  it('exits 1 and says so when the expected failure reproduces', async () => {
    const file = good(tempDir(), { source: { kind: 'adapter', module: LEAKY }, expect: { verdict: 'fail', property: 'frames-conserved', step: 4, message: 'lost a frame' } });
    const r = await runCli(['replay', '--impl', LEAKY, file]);
    expect(r.stdout).toContain('verdict: reproduced: frames-conserved failed at step 4, as the file expects');
    expect(r.stdout).toMatch(/^>> +4 +alloc g1 4 pick=3/m);
    expect(r.code).toBe(1);
  });

  it('exits 1 when a property fails that the file expects to hold', async () => {
    const r = await runCli(['replay', '--impl', LEAKY, good(tempDir())]);
    expect(r.stdout).toContain('verdict: FAILED: the file expects every property to hold, but frames-conserved failed at step 4');
    expect(r.code).toBe(1);
  });

  it('exits 1 when an expected failure no longer happens', async () => {
    const file = good(tempDir(), { expect: { verdict: 'fail', property: 'frames-conserved', step: 4, message: '' } });
    const r = await runCli(['replay', file]);
    expect(r.stdout).toContain('verdict: NOT reproduced');
    expect(r.code).toBe(1);
  });

  for (const bad of BAD) {
    it(`exits 2 with one line and nothing else for ${bad.name}`, async () => {
      const dir = tempDir();
      const file = bad.make(dir);
      const before = readdirSync(dir).sort();
      const r = await runCli(['replay', ...(STRICT.has(file) ? ['--strict'] : []), file]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const prefix = `balloon: ${file}: `;
      expect(r.stderr.startsWith(prefix)).toBe(true);
      const problem = r.stderr.trimEnd().slice(prefix.length);
      if (typeof bad.problem === 'string') expect(problem).toBe(bad.problem); else expect(problem).toMatch(bad.problem);
      expect(readdirSync(dir).sort()).toEqual(before); // no partial output files
    });
  }

  it('warns, on stderr, when a file no longer matches the content hash in its name, and replays it', async () => {
    const dir = tempDir();
    const text = serializeTrace(smallTrace());
    const saved = writeFile(dir, traceFileName(smallTrace(), text), text);
    const clean = await runCli(['replay', '--strict', saved]);
    expect(clean.stderr).toBe('');
    expect(clean.code).toBe(0);
    const edited = writeFile(dir, traceFileName(smallTrace(), text), text.replace('"pages": 16', '"pages": 15'));
    const r = await runCli(['replay', edited]);
    expect(r.stderr).toMatch(new RegExp(`^balloon: warning: ${edited}: the content hash in the file name is [0-9a-f]{12} but the content hashes to [0-9a-f]{12}: the file was changed after it was saved\n$`));
    expect(r.stdout).toContain('verdict: held');
  });

  it('runs the usable files of a batch and exits 2 for the unusable one', async () => {
    const dir = tempDir();
    const ok = good(dir);
    const missing = join(dir, 'gone.json');
    const r = await runCli(['replay', ok, missing]);
    expect(r.stderr).toBe(`balloon: ${missing}: no such file\n`);
    expect(r.stdout).toContain('verdict: held');
    expect(r.stdout).toContain('replayed 2 traces: 1 held, 0 reproduced, 0 failed, 0 failed differently, 0 not reproduced, 1 unusable');
    expect(r.code).toBe(2);
  });

  it('prints one JSON report with --json', async () => {
    const dir = tempDir();
    const r = await runCli(['replay', '--json', good(dir), join(dir, 'gone.json')]);
    const report = JSON.parse(r.stdout);
    expect(report.exitCode).toBe(2);
    expect(report.traces.map((t: { verdict: string }) => t.verdict)).toEqual(['held', 'unusable']);
    expect(r.code).toBe(2);
  });

  it('prints every step and the program with --verbose', async () => {
    const r = await runCli(['replay', '--verbose', good(tempDir())]);
    expect(r.stdout).not.toContain('quiet step');
    expect(r.stdout).toContain('// Reproduce with the library');
    expect(r.code).toBe(0);
  });

  it('runs the model (conformance) unless --no-model', async () => {
    const file = good(tempDir());
    expect((await runCli(['replay', file])).stdout).toContain('model: the implementation conformed to the statechart at every step');
    expect((await runCli(['replay', '--no-model', file])).stdout).not.toContain('model:');
  });

  it('refuses an --impl module that does not exist, in one line', async () => {
    const r = await runCli(['replay', '--impl', 'nope/adapter.ts', good(tempDir())]);
    expect(r.stderr).toMatch(/^balloon: --impl nope\/adapter.ts: module not found \(.*nope\/adapter.ts\)\n$/);
    expect(r.code).toBe(2);
  });
});
