// QEMU traces are written in the one trace format, and nothing in them comes from the clock:
// the same run, saved twice with the clock moved on in between, gives the same bytes and name.
// No VM is needed: the record is made by hand.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTrace, loadTrace as loadQemuTrace, saveTrace } from '../../qemu/trace.ts';
import type { CaseRecord } from '../../qemu/runner.ts';
import { loadAnyTrace, loadTrace } from '../../traces/load.ts';
import { tempDir } from '../traces/helpers.ts';

const record: CaseRecord = {
  ramBytes: 512 * 1024 * 1024, deflateOnOom: false, baseMemTotalKiB: 500_000, startActual: 512 * 1024 * 1024,
  steps: [], guest: 'alive', consoleTail: '', consoleHighlights: [], ms: 1234,
};
const args = {
  property: 'unload-deflates-all', seed: 3, path: '2:1', kernel: '6.1.0', qemu: '7.2.22',
  steps: [{ op: 'target', mib: 384, wait: true }, { op: 'unload' }] as const,
  record, violations: [{ property: 'unload-deflates-all', step: 1, message: 'the balloon stayed full' }],
};

afterEach(() => { vi.useRealTimers(); });

describe('a QEMU trace', () => {
  it('is byte-identical when the same run is saved twice, whatever the clock says', () => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const a = saveTrace(tempDir(), makeTrace({ ...args, steps: [...args.steps] }));
    vi.setSystemTime(new Date('2027-06-15T12:34:56Z'));
    const b = saveTrace(tempDir(), makeTrace({ ...args, steps: [...args.steps] }));
    expect(a.split('/').pop()).toBe(b.split('/').pop());
    expect(a.split('/').pop()).toMatch(/^qemu-unload-deflates-all-[0-9a-f]{12}\.json$/);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('loads through the one loader as a trace of source qemu, and the command-trace loader refuses it', () => {
    const file = saveTrace(tempDir(), makeTrace({ ...args, steps: [...args.steps] }));
    const t = loadAnyTrace(file);
    expect(t.source.kind).toBe('qemu');
    expect(t).toEqual(loadQemuTrace(file));
    expect(t.expect).toEqual({ verdict: 'fail', property: 'unload-deflates-all', step: 1, message: 'the balloon stayed full' });
    expect(() => loadTrace(file)).toThrow(`${file}: source: this trace records a real QEMU guest`);
  });

  it('is refused by the QEMU loader when it is a trace of commands', () => {
    expect(() => loadQemuTrace('traces/corpus/inflate-deflate-cycle.json'))
      .toThrow('traces/corpus/inflate-deflate-cycle.json: source: expected a trace of a real QEMU guest, got one of source "reference"');
  });
});
