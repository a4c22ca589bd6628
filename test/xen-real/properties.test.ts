// The real-Xen properties and the projection onto the Xen chart, on a recorded real run (no
// machine needed): the record as measured passes, and each kind of deviation a real system could
// show, written into a copy of it, is caught by the property that owns it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkXenChart } from '../../qemu/xen/chart.ts';
import { parseSnapshot } from '../../qemu/xen/observe.ts';
import { checkXenRealProperties } from '../../qemu/xen/properties.ts';
import type { XenCaseRecord } from '../../qemu/xen/runner.ts';
import { loadXenTrace } from '../../qemu/xen/trace.ts';
import { serializeTrace } from '../../traces/save.ts';
import { loadAnyTrace } from '../../traces/load.ts';

const file = join(import.meta.dirname, 'fixtures', 'maxmem-direct-write.json');
const trace = loadXenTrace(file);
const record = (): XenCaseRecord => structuredClone(trace.source.observations) as unknown as XenCaseRecord;
const failing = (rec: XenCaseRecord): string[] =>
  [...checkXenRealProperties(rec).entries()].filter(([, o]) => o.violations.length > 0).map(([n]) => n);

describe('real-Xen properties on a recorded run', () => {
  it('the recorded run (xl mem-set 0 288m, then a direct target_kb write to 311 MiB) passes every property', () => {
    const m = checkXenRealProperties(record());
    for (const [name, o] of m) {
      expect(o.violations, name).toEqual([]);
      expect(o.checked, name).toBeGreaterThan(0);
    }
    const run = checkXenChart(record());
    expect(run.refusal).toBeNull();
    // 768 -> 288 MiB is 480 MiB = 240 batches of 512 pages, then a populate of 256 pages.
    expect(run.events).toBeGreaterThanOrEqual(240 * 3); // a hypercall, current_kb and the pass end, per batch
  });

  it('a balloon-down past the target is refused by the chart (the driver takes at most the credit)', () => {
    const rec = record();
    const s0 = rec.steps[0];
    (s0.settle as { path: number[] }).path.push(290816);
    (s0.snapshot as { dom0: { currentKiB: number } }).dom0.currentKiB = 290816;
    expect(failing(rec)).toContain('xen-real-conformance');
  });

  it('a ballooned-page count that disagrees at rest is refused by the chart', () => {
    const rec = record();
    (rec.steps[0].snapshot as { dom0: { lowKiB: number } }).dom0.lowKiB += 4096;
    expect(failing(rec)).toEqual(['xen-real-conformance']);
  });

  it('memory that vanishes between dom0 and Xen fails frames-conserved', () => {
    const rec = record();
    (rec.steps[0].snapshot as { xenFreeMiB: number }).xenFreeMiB -= 8;
    expect(failing(rec)).toEqual(['xen-real-frames-conserved']);
  });

  it('a populate that stops short of the maximum xl gave Xen fails progress', () => {
    const rec = record();
    const s1 = rec.steps[1];
    (s1.settle as { path: number[] }).path = [294912];
    (s1.snapshot as { dom0: { currentKiB: number; lowKiB: number } }).dom0.currentKiB = 294912;
    (s1.snapshot as { dom0: { lowKiB: number } }).dom0.lowKiB = 491520;
    expect(failing(rec)).toEqual(['xen-real-progress']);
  });

  it('xl taking a dom0 target below its minimum, or a target that does not show, fails toolstack', () => {
    const rec = record();
    (rec.steps[0] as { step: { mib: number } }).step.mib = 100;
    expect(failing(rec)).toContain('xen-real-toolstack');
    const rec2 = record();
    (rec2.steps[1].snapshot as { dom0: { targetKiB: number } }).dom0.targetKiB = 294912;
    expect(failing(rec2)).toContain('xen-real-toolstack');
  });

  it('a dead dom0 fails guest-survives unless the case set an unsafe target', () => {
    const rec = record();
    (rec as { guest: string }).guest = 'dead';
    expect(failing(rec)).toContain('xen-real-guest-survives');
    (rec.steps[0] as { step: { op: string; mib: number } }).step = { op: 'write-target', dom: 'dom0', mib: 64 } as never;
    expect(failing(rec)).not.toContain('xen-real-guest-survives');
  });

  it('the test-only broken projection (batches one page short) is caught on the same record', () => {
    expect(checkXenChart(record(), { batchOffByOne: true }).refusal).not.toBeNull();
  });
});

describe('real-Xen traces and readings', () => {
  it('load through the one loader and save byte-stable', () => {
    const t = loadAnyTrace(file);
    expect(t.source.kind).toBe('xen-real');
    expect(serializeTrace(t)).toBe(serializeTrace(loadXenTrace(file)));
  });

  it('parses xstat and ustat lines, and refuses garbled ones', () => {
    const s = parseSnapshot('XSTAT 786432 786432 0 0 1 655328 617416 242 1023\nUSTAT 1 160 163840 | DOMU 3 163840 163840 98304 0 125012 98896\n', true);
    expect(s?.dom0.currentKiB).toBe(786432);
    expect(s?.xenFreeMiB).toBe(242);
    expect(s?.domu?.lowKiB).toBe(98304);
    expect(parseSnapshot('XSTAT 1 2 3\n', false)).toBeNull();
    expect(parseSnapshot('XSTAT 786432 786432 0 0 1 655328 617416 242 1023\nUSTAT none\n', true)).toBeNull();
  });
});

describe('the over-inflation finding (docs/FINDINGS.md 27)', () => {
  const t = loadXenTrace(join(import.meta.dirname, '..', '..', 'traces/xen-real/xen-real-xen-real-guest-survives-5c58c5cc51a9.json'));
  const rec = (): XenCaseRecord => structuredClone(t.source.observations) as unknown as XenCaseRecord;

  it('was recorded as measured: xl refused 100 MiB, the direct write was taken, dom0 panicked', () => {
    const r = rec();
    expect(r.steps[0]?.rc).toBe(1);
    expect(r.steps[1]?.rc).toBe(0);
    expect(r.guest).toBe('dead');
    expect(r.consoleHighlights.join('\n')).toMatch(/deadlocked on memory/);
  });

  it('is a finding in campaigns, and a failure of the model\'s "no domain dies" when held strictly', () => {
    expect(failing(rec())).toEqual([]);
    const strict = [...checkXenRealProperties(rec(), { strictSurvival: true }).entries()].filter(([, o]) => o.violations.length > 0).map(([n]) => n);
    expect(strict).toEqual(['xen-real-guest-survives']);
    expect(t.expect.property).toBe('xen-real-guest-survives');
  });
});
