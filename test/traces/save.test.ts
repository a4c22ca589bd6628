// saveTrace writes canonical bytes: same trace, same file; the name is a content hash.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCase } from '../../properties/runner.ts';
import { caseArb } from '../../properties/workload.ts';
import { buildTrace } from '../../traces/build.ts';
import { loadTrace } from '../../traces/load.ts';
import { formatReplayCommand, saveTrace, serializeTrace } from '../../traces/save.ts';
import { smallTrace, tempDir } from './helpers.ts';

/** A trace of the case fast-check generates first for `seed`, run on the reference implementation. */
function traceForSeed(seed: number) {
  const [c] = fc.sample(caseArb({ maxCommands: 60 }), { seed, numRuns: 1 });
  const r = runCase(createReferenceSystem, c.config, c.commands, allProperties);
  return buildTrace({ config: c.config, commands: c.commands, properties: allProperties.map((p) => p.name), failure: r.failure, seed, path: '0' });
}

describe('saveTrace', () => {
  it('writes <property>-<hash>.json with 2-space JSON and a trailing newline, creating the directory', () => {
    const dir = join(tempDir(), 'deep', 'failures');
    const file = saveTrace(dir, smallTrace());
    expect(file).toMatch(/\/deep\/failures\/pass-[0-9a-f]{12}\.json$/);
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "format": "balloon-trace",\n');
    expect(readdirSync(dir)).toEqual([file.split('/').pop()]); // no temporary file left
  });

  it('names a failing trace after its property', () => {
    const t = smallTrace({ expect: { verdict: 'fail', property: 'frames-conserved', step: 6, message: 'lost a frame' } });
    expect(saveTrace(tempDir(), t)).toMatch(/\/frames-conserved-[0-9a-f]{12}\.json$/);
  });

  it('is deterministic: the same seed and options give byte-identical files', () => {
    for (const seed of [1, 42, 2024]) {
      const a = saveTrace(tempDir(), traceForSeed(seed));
      const b = saveTrace(tempDir(), traceForSeed(seed));
      expect(a.split('/').pop()).toBe(b.split('/').pop());
      expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    }
  });

  it('writes keys in schema order whatever order the object was built in', () => {
    const t = smallTrace();
    const shuffled = JSON.parse(JSON.stringify(t), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v);
    expect(serializeTrace(shuffled)).toBe(serializeTrace(t));
  });

  it('round-trips: what it saves, loadTrace reads back equal', () => {
    const t = traceForSeed(7);
    const back = loadTrace(saveTrace(tempDir(), t));
    expect(back).toEqual(t);
    expect(serializeTrace(back)).toBe(serializeTrace(t));
  });

  it('puts one command on a line', () => {
    const text = serializeTrace(smallTrace());
    expect(text).toContain('\n    { "kind": "set-target", "guest": 0, "pages": 16 },\n');
  });

  it('refuses to write a trace it would not load, and leaves no file', () => {
    const dir = tempDir();
    const bad = smallTrace({ version: 3 as 2 });
    expect(() => saveTrace(join(dir, 'out'), bad)).toThrow();
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('formatReplayCommand', () => {
  it('prints the command that replays a file', () => {
    expect(formatReplayCommand('traces/failures/frames-conserved-0123456789ab.json'))
      .toBe('npx balloon replay traces/failures/frames-conserved-0123456789ab.json');
  });
  it('quotes a path with spaces or quotes', () => {
    expect(formatReplayCommand("my traces/it's.json")).toBe(`npx balloon replay 'my traces/it'\\''s.json'`);
  });
  it('names the module a trace of a user\'s implementation replays on (replay refuses it without --impl)', () => {
    expect(formatReplayCommand('t.json', 'my adapters/a.mjs')).toBe(`npx balloon replay t.json --impl 'my adapters/a.mjs'`);
    expect(formatReplayCommand('t.json', 'reference')).toBe('npx balloon replay t.json');
  });
});
