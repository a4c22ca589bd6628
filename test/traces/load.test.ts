// Every way a trace file can be unusable gives one TraceError line, `file: field path: problem`.
import { mkdirSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTrace, loadTraceChecked, parseTrace } from '../../traces/load.ts';
import { TraceError } from '../../traces/errors.ts';
import { serializeTrace, traceFileName } from '../../traces/save.ts';
import { smallTrace, tempDir, writeFile } from './helpers.ts';

/** The message loadTrace throws for `file`, asserting it is a one-line TraceError. */
function errorOf(file: string): string {
  try {
    loadTrace(file);
  } catch (e) {
    expect(e).toBeInstanceOf(TraceError);
    const msg = (e as Error).message;
    expect(msg).not.toContain('\n');
    return msg;
  }
  throw new Error(`loadTrace(${file}) did not throw`);
}

/** A valid trace as a plain JSON object, to break one field of. */
const plain = (): Record<string, any> => JSON.parse(serializeTrace(smallTrace()));

describe('loadTrace', () => {
  it('loads a valid trace as saved', () => {
    const dir = tempDir();
    const file = writeFile(dir, 't.json', serializeTrace(smallTrace()));
    const t = loadTrace(file);
    expect(t.commands).toHaveLength(11);
    expect(t.expect).toEqual({ verdict: 'pass' });
  });

  it('refuses a missing file', () => {
    const file = join(tempDir(), 'nope.json');
    expect(errorOf(file)).toBe(`${file}: no such file`);
  });

  it('refuses a directory', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'd.json'));
    expect(errorOf(join(dir, 'd.json'))).toBe(`${join(dir, 'd.json')}: is a directory, not a trace file`);
  });

  it('refuses an empty file', () => {
    const file = writeFile(tempDir(), 'e.json', '');
    expect(errorOf(file)).toBe(`${file}: the file is empty`);
  });

  it('refuses a file of only whitespace as empty', () => {
    const file = writeFile(tempDir(), 'w.json', ' \n\t\n');
    expect(errorOf(file)).toBe(`${file}: the file is empty`);
  });

  it('refuses malformed JSON with its line and column', () => {
    const file = writeFile(tempDir(), 'm.json', '{\n  "format": "balloon-trace",\n  "version": }\n');
    expect(errorOf(file)).toBe(`${file}: malformed JSON at line 3, column 14 (offset 44): Unexpected token '}'`);
  });

  it('refuses text after the JSON value', () => {
    const file = writeFile(tempDir(), 'x.json', '{"format": "balloon-trace"} x');
    expect(errorOf(file)).toBe(`${file}: malformed JSON at line 1, column 29 (offset 28): Unexpected non-whitespace character after JSON`);
  });

  it('refuses truncated JSON', () => {
    const text = serializeTrace(smallTrace());
    const file = writeFile(tempDir(), 't.json', text.slice(0, 200));
    expect(errorOf(file)).toMatch(new RegExp(`^${file}: truncated JSON: the text ends at line \\d+, column \\d+ \\(offset 200\\) before the value is complete$`));
  });

  it('refuses a file that is not UTF-8', () => {
    const dir = tempDir();
    const file = join(dir, 'b.json');
    writeFileSync(file, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(errorOf(file)).toBe(`${file}: the file is not UTF-8 text`);
  });

  it('refuses a 50 MB file from its size alone', () => {
    const file = join(tempDir(), 'big.json');
    writeFileSync(file, '');
    truncateSync(file, 50 * 1000 * 1000); // sparse: no disk used, nothing read
    expect(errorOf(file)).toBe(`${file}: the file is 47.7 MiB; a trace may be at most 16.0 MiB`);
  });

  it('refuses JSON that is not an object', () => {
    const file = writeFile(tempDir(), 'a.json', '[1, 2]');
    expect(errorOf(file)).toBe(`${file}: expected a JSON object with "format": "balloon-trace", got an array`);
  });

  it('refuses a missing format', () => {
    const v = plain(); delete v.format;
    const file = writeFile(tempDir(), 'f.json', v);
    expect(errorOf(file)).toBe(`${file}: format: missing: this is not a balloon trace (expected "format": "balloon-trace")`);
  });

  it('refuses a wrong format', () => {
    const file = writeFile(tempDir(), 'f.json', { ...plain(), format: 'pcap' });
    expect(errorOf(file)).toBe(`${file}: format: expected "balloon-trace", got "pcap"`);
  });

  it('refuses a missing version', () => {
    const v = plain(); delete v.version;
    const file = writeFile(tempDir(), 'v.json', v);
    expect(errorOf(file)).toBe(`${file}: version: missing (this balloon-testbed reads trace format versions 1 and 2)`);
  });

  it('refuses a newer version, saying to upgrade', () => {
    const file = writeFile(tempDir(), 'v.json', { ...plain(), version: 3 });
    expect(errorOf(file)).toBe(`${file}: version: trace format version 3 is newer than this balloon-testbed reads (version 2); upgrade balloon-testbed`);
  });

  it('refuses a version of the wrong type', () => {
    const file = writeFile(tempDir(), 'v.json', { ...plain(), version: '1' });
    expect(errorOf(file)).toBe(`${file}: version: expected 2 (or 1), got the string "1"`);
  });

  it('refuses a family that is not installed', () => {
    const file = writeFile(tempDir(), 'x.json', { ...plain(), family: 'bhyve' });
    expect(errorOf(file)).toBe(`${file}: family: the family "bhyve" is not installed (installed families: virtio, xen, vmware, hyperv, virtualbox)`);
  });

  it('refuses an unknown command kind, naming the known ones', () => {
    const v = plain(); v.commands[3] = { kind: 'teleport', guest: 0 };
    const file = writeFile(tempDir(), 'k.json', v);
    expect(errorOf(file)).toBe(`${file}: commands[3].kind: unknown command kind "teleport" (known: set-target, driver, device, alloc, free, write, read, reset, report, hostile, hint)`);
  });

  it('refuses a command without a kind', () => {
    const v = plain(); v.commands[0] = { guest: 0 };
    const file = writeFile(tempDir(), 'k.json', v);
    expect(errorOf(file)).toMatch(/: commands\[0\]\.kind: missing command kind \(known: set-target, /);
  });

  it('refuses a field of the wrong type', () => {
    const v = plain(); v.commands[4].pages = '4';
    const file = writeFile(tempDir(), 't.json', v);
    expect(errorOf(file)).toBe(`${file}: commands[4].pages: expected a number, got the string "4"`);
  });

  it('refuses a fractional number where a whole one is needed', () => {
    const v = plain(); v.commands[0].pages = 1.5;
    const file = writeFile(tempDir(), 't.json', v);
    expect(errorOf(file)).toBe(`${file}: commands[0].pages: expected a whole number, got the number 1.5`);
  });

  it('refuses an unknown field', () => {
    const v = plain(); v.commands[1].force = true;
    const file = writeFile(tempDir(), 't.json', v);
    expect(errorOf(file)).toBe(`${file}: commands[1].force: unknown field`);
  });

  it('refuses a guest id out of range for the config', () => {
    const v = plain(); v.commands[3].guest = 5;
    const file = writeFile(tempDir(), 'g.json', v);
    expect(errorOf(file)).toBe(`${file}: commands[3].guest: guest 5 is out of range (the config has 2 guests, 0 to 1)`);
  });

  it('refuses a configuration that configProblems() rejects', () => {
    const v = plain(); v.config.reservedFrames = 500;
    const file = writeFile(tempDir(), 'c.json', v);
    expect(errorOf(file)).toBe(`${file}: config.reservedFrames: must be a whole number below hostFrames`);
  });

  it('refuses a wrongly typed configuration field by its path', () => {
    const v = plain(); v.config.guests[1].features.statsVq = 'yes';
    const file = writeFile(tempDir(), 'c.json', v);
    expect(errorOf(file)).toBe(`${file}: config.guests[1].features.statsVq: expected true or false, got the string "yes"`);
  });

  it('refuses an expect of an unknown verdict', () => {
    const file = writeFile(tempDir(), 'e.json', { ...plain(), expect: { verdict: 'maybe' } });
    expect(errorOf(file)).toBe(`${file}: expect.verdict: unknown verdict "maybe" (known: pass, fail)`);
  });

  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses a ${key} key anywhere, by path`, () => {
      const text = serializeTrace(smallTrace()).replace('"guest": 0, "queue": "inflate"', `"guest": 0, "${key}": { "polluted": true }, "queue": "inflate"`);
      const file = writeFile(tempDir(), 'p.json', text);
      expect(errorOf(file)).toBe(`${file}: commands[2].${key}: the key "${key}" is not allowed in a trace`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  }

  it('refuses a __proto__ key at the top before looking at anything else', () => {
    const file = writeFile(tempDir(), 'p.json', '{"__proto__": {"format": "balloon-trace"}}');
    expect(errorOf(file)).toBe(`${file}: __proto__: the key "__proto__" is not allowed in a trace`);
  });

  it('refuses a property listed twice', () => {
    const file = writeFile(tempDir(), 'p.json', { ...plain(), properties: ['frames-conserved', 'frames-conserved'] });
    expect(errorOf(file)).toBe(`${file}: properties[1]: "frames-conserved" is listed twice`);
  });

  it('counts further problems in the same line', () => {
    const v = plain(); v.commands[0].pages = 'x'; v.commands[1].guest = 'y';
    expect(() => parseTrace(JSON.stringify(v), 'mem.json')).toThrow('mem.json: commands[0].pages: expected a number, got the string "x" (and 1 more problems)');
  });
});

describe('loadTrace on a QEMU campaign trace', () => {
  const QEMU_V1 = 'test/qemu/fixtures/unload-trace.json';

  it('says what the file is instead of listing field errors', () => {
    expect(errorOf(QEMU_V1)).toBe(`${QEMU_V1}: source: this trace records a real QEMU guest (VM steps, not commands): only \`balloon replay\` runs it, on a fresh VM`);
  });

  it('lists the field errors of a QEMU trace that is broken, as for any trace', () => {
    const file = writeFile(tempDir(), 'q.json', { format: 'balloon-trace', version: 1, family: 'virtio', impl: 'qemu', steps: [] });
    expect(errorOf(file)).toMatch(new RegExp(`^${file}: property: missing \\(expected a string\\) \\(and \\d+ more problems\\)$`));
  });
});

describe('files at any depth and size', () => {
  it('refuses a 200,000-deep trace by its depth, before parsing it', () => {
    const file = writeFile(tempDir(), 'deep.json', `{"a":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_001)}`);
    expect(errorOf(file)).toBe(`${file}: the JSON is nested more than 64 levels deep at line 1, column 321 (offset 320); a trace is at most a few levels deep`);
  });

  it('counts brackets inside strings as text, not nesting', () => {
    const note = `${'['.repeat(1000)}\\"{{{`; // escaped backslash and quote in the file
    const file = writeFile(tempDir(), 'note.json', serializeTrace(smallTrace({ note })));
    expect(loadTrace(file).note).toBe(note);
  });

  it('names the path of a forbidden key deep in a wide file', () => {
    const v = plain();
    v.commands = Array.from({ length: 50_000 }, () => ({ kind: 'driver', guest: 0 }));
    v.commands[49_999] = { kind: 'driver', guest: 0, constructor: 1 };
    const file = writeFile(tempDir(), 'wide.json', JSON.stringify(v));
    expect(errorOf(file)).toBe(`${file}: commands[49999].constructor: the key "constructor" is not allowed in a trace`);
  });
});

describe('the content hash in a file name', () => {
  it('matches for a file as saveTrace wrote it; differs once a byte changed; is not checked without one', () => {
    const dir = tempDir();
    const text = serializeTrace(smallTrace());
    const name = traceFileName(smallTrace(), text);
    expect(loadTraceChecked(writeFile(dir, name, text)).hash).toEqual({ status: 'matches', hash: name.slice(-17, -5) });
    const edited = loadTraceChecked(writeFile(dir, name, `${text}\n`)).hash;
    expect(edited).toMatchObject({ status: 'differs', named: name.slice(-17, -5) });
    expect(loadTraceChecked(writeFile(dir, 'mine.json', text)).hash).toEqual({ status: 'unnamed' });
  });
});

it('every shipped trace (corpus, zoo) is free of hash mismatches', () => {
  for (const d of ['traces/corpus', 'traces/zoo']) {
    for (const f of readdirSync(d).filter((x) => x.endsWith('.json'))) expect(loadTraceChecked(join(d, f)).hash.status, f).not.toBe('differs');
  }
});
