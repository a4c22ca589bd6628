// Format version 2 reads every trace of version 1 (the corpus and zoo as they were written, the
// test fixtures, users' files) through the same loader, as family virtio, and means the same run.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isQemuTrace, sourceFaults, type Trace } from '../../traces/format.ts';
import { loadAnyTrace, loadTrace, parseAnyTrace } from '../../traces/load.ts';
import { serializeTrace } from '../../traces/save.ts';
import { tempDir, writeFile } from './helpers.ts';

const V1_DIR = 'test/fixtures/traces-v1';
const CURRENT = ['traces/corpus', 'traces/zoo'].flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f)));

/** `t` as format version 1 wrote it: `impl` and `faults` in place of `source`, in v1's key order. */
function asV1(t: Trace): Record<string, unknown> {
  const { source, version: _v, format, tool, family, ...rest } = t;
  return {
    format, version: 1, tool, family,
    impl: source.kind === 'adapter' ? source.module : 'reference', faults: [...sourceFaults(source)],
    ...rest,
  };
}

describe('format version 1', () => {
  it('files kept as written in version 1 load as the same runs the migrated corpus and zoo hold', () => {
    const pairs: [string, string][] = [
      ['inflate-deflate-cycle.json', 'traces/corpus/inflate-deflate-cycle.json'],
      ['fault-double-inflate-bad-requests-change-nothing.json', 'traces/corpus/fault-double-inflate-bad-requests-change-nothing.json'],
    ];
    for (const [old, now] of pairs) {
      const file = join(V1_DIR, old);
      expect(readFileSync(file, 'utf8')).toContain('"version": 1,');
      expect(readFileSync(now, 'utf8')).toContain('"version": 2,');
      expect(loadTrace(file), old).toEqual(loadTrace(now));
    }
    // The zoo's unaligned-target trace was regenerated when the workload gained locality (issue
    // 22): its version 1 copy still loads as the run it holds, now a virtio trace of version 2.
    const file = join(V1_DIR, 'zoo-unaligned-target.json');
    const raw = JSON.parse(readFileSync(file, 'utf8'));
    expect(raw.version).toBe(1);
    const t = loadTrace(file);
    expect(t.family).toBe('virtio');
    expect(t.commands).toEqual(raw.commands);
    expect(t.config).toEqual({ family: 'virtio', ...raw.config });
    expect(t.expect).toEqual(raw.expect);
  });

  it('every virtio corpus and zoo trace, written in version 1, loads to the same trace', () => {
    expect(CURRENT.length).toBeGreaterThan(40);
    for (const file of CURRENT) {
      const t = loadTrace(file);
      // Version 1 predates families: every file of it was virtio's.
      if (t.family !== 'virtio') continue;
      const back = parseAnyTrace(JSON.stringify(asV1(t)), file);
      expect(back, file).toEqual(t);
      expect(serializeTrace(back), file).toBe(readFileSync(file, 'utf8'));
    }
  });

  it('keeps the faults of a reference trace and turns any other impl into an adapter source', () => {
    const t = loadTrace('traces/zoo/unaligned-target.json');
    expect(t.source).toEqual({ kind: 'reference', faults: ['unaligned-target'] });
    const file = writeFile(tempDir(), 'a.json', { ...asV1(t), impl: 'my/adapter.ts', faults: [] });
    expect(loadTrace(file).source).toEqual({ kind: 'adapter', module: 'my/adapter.ts' });
    expect(loadTrace(file).family).toBe('virtio');
  });

  it('names the field of the version 1 file when it is wrong', () => {
    const v = asV1(loadTrace('traces/corpus/inflate-deflate-cycle.json'));
    const file = writeFile(tempDir(), 'bad.json', { ...v, faults: 'none' });
    expect(() => loadTrace(file)).toThrow(`${file}: faults: expected an array, got the string "none"`);
  });

  it('reads a QEMU trace of version 1 through the same loader, without its clock stamp', () => {
    const file = 'test/qemu/fixtures/unload-trace.json';
    expect(readFileSync(file, 'utf8')).toContain('"createdAt"');
    const t = loadAnyTrace(file);
    if (!isQemuTrace(t)) throw new Error('expected a QEMU trace');
    expect(t.version).toBe(2);
    expect(t.family).toBe('virtio');
    expect(t.source).toMatchObject({ kind: 'qemu', qemu: '7.2.22', kernel: '6.1.0-56-cloud-amd64', memMiB: 512, deflateOnOom: false });
    expect(t.expect).toEqual({ verdict: 'fail', property: 'unload-deflates-all', step: 1, message: 'hand-made for the replay test' });
    expect(t.steps.map((s) => s.op)).toEqual(['target', 'unload', 'load']);
    expect(serializeTrace(t)).not.toContain('createdAt');
    // Saved again, it is a version 2 file that loads to the same trace.
    expect(parseAnyTrace(serializeTrace(t), 'again.json')).toEqual(t);
  });
});
