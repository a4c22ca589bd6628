// The QEMU properties judged on hand-made records (no QEMU needed): each catches the violation it
// names and accepts the behaviour FINDINGS.md says is legitimate.
import { describe, expect, it } from 'vitest';
import { checkQemuProperties, qemuProperties } from '../../qemu/properties.ts';
import type { CaseRecord, StepRecord } from '../../qemu/runner.ts';
import { MiB, type Step } from '../../qemu/steps.ts';

const RAM = 512 * MiB;
const BASE = 481_296;

function snap(actual: number, doo = false, over: Partial<StepRecord['snapshot']> = {}): NonNullable<StepRecord['snapshot']> {
  const pages = (RAM - actual) / 4096;
  return { actual, stable: true, memTotalKiB: doo ? BASE : BASE - (RAM - actual) / 1024, memFreeKiB: 1, balloonInflate: pages, balloonDeflate: 0, driverLoaded: true, ...over };
}

function rec(steps: Array<{ step: Step; samples?: number[]; actual?: number; rc?: number; target?: number; extra?: Partial<StepRecord> }>, doo = false): CaseRecord {
  let target = RAM;
  return {
    ramBytes: RAM, deflateOnOom: doo, baseMemTotalKiB: BASE, startActual: RAM, guest: 'alive', consoleTail: '', consoleHighlights: [], ms: 1,
    steps: steps.map((s, index) => {
      const before = target;
      if (s.step.op === 'target' && s.step.mib > 0) target = Math.min(s.step.mib * MiB, RAM);
      const samples = s.samples ?? [];
      const last = s.actual ?? samples.at(-1);
      return {
        index, step: s.step, targetBefore: before, targetAfter: target, guest: 'alive', ms: 1,
        ...(s.rc !== undefined ? { rc: s.rc } : {}),
        ...(samples.length > 0 ? { settle: { end: last === target ? 'reached' : 'stalled', samples, ms: 10 } } : {}),
        ...(last !== undefined ? { snapshot: snap(last, doo) } : {}),
        ...s.extra,
      } as StepRecord;
    }),
  };
}

const failed = (r: CaseRecord): string[] => [...checkQemuProperties(r)].filter(([, o]) => o.violations.length > 0).map(([n]) => n);

describe('qemu properties on synthetic records', () => {
  it('has unique names and a doc for each', () => {
    const names = qemuProperties.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(qemuProperties.every((p) => p.doc.length > 20)).toBe(true);
  });

  it('accepts a clean inflate and deflate', () => {
    expect(failed(rec([
      { step: { op: 'target', mib: 256, wait: true }, samples: [480 * MiB, 300 * MiB, 256 * MiB] },
      { step: { op: 'target', mib: 512, wait: true }, samples: [400 * MiB, RAM] },
    ]))).toEqual([]);
  });

  it('flags an overshoot and a move away from the target', () => {
    expect(failed(rec([{ step: { op: 'target', mib: 256, wait: true }, samples: [300 * MiB, 250 * MiB, 256 * MiB] }]))).toContain('actual-moves-toward-target');
    expect(failed(rec([{ step: { op: 'target', mib: 256, wait: true }, samples: [300 * MiB, 310 * MiB, 256 * MiB] }]))).toContain('actual-moves-toward-target');
  });

  it('allows a path toward any of several targets set mid-flight', () => {
    expect(failed(rec([
      { step: { op: 'target', mib: 200, wait: false } },
      { step: { op: 'target', mib: 400, wait: true }, samples: [380 * MiB, 400 * MiB] },
    ]))).toEqual([]);
  });

  it('flags a reachable target that is not reached, but not an unreachable one', () => {
    expect(failed(rec([{ step: { op: 'target', mib: 256, wait: true }, samples: [300 * MiB, 300 * MiB] }]))).toContain('converges-when-reachable');
    expect(failed(rec([{ step: { op: 'target', mib: 40, wait: true }, samples: [100 * MiB, 74 * MiB] }]))).toEqual([]);
  });

  it('checks the vmstat and MemTotal relations exactly', () => {
    const r = rec([{ step: { op: 'target', mib: 256, wait: true }, samples: [256 * MiB] }]);
    const s0 = r.steps[0] as StepRecord;
    const bad = { ...r, steps: [{ ...s0, snapshot: { ...(s0.snapshot as NonNullable<StepRecord['snapshot']>), balloonInflate: 1, memTotalKiB: BASE } }] };
    expect(failed(bad)).toEqual(expect.arrayContaining(['vmstat-matches-actual', 'memtotal-tracks-actual']));
  });

  it('with deflate-on-oom: a rise needs a workload, or an unreachable target', () => {
    const rise = (first: Step) => rec([
      { step: first, samples: [300 * MiB] },
      { step: { op: 'target', mib: 300, wait: true }, samples: [300 * MiB] },
      { step: { op: 'pressure', mib: 64 }, rc: 0, samples: [340 * MiB] },
    ], true);
    expect(failed(rise({ op: 'target', mib: 300, wait: true }))).toEqual([]);
    const noWork = rec([{ step: { op: 'target', mib: 300, wait: true }, samples: [300 * MiB, 310 * MiB] }], true);
    expect(failed(noWork)).toContain('rises-only-under-pressure');
    const squeezed = rec([{ step: { op: 'target', mib: 40, wait: true }, samples: [77 * MiB, 78 * MiB] }], true);
    expect(failed(squeezed)).toEqual([]);
  });

  it('unload must empty the balloon; targets wait for the driver', () => {
    expect(failed(rec([
      { step: { op: 'target', mib: 256, wait: true }, samples: [256 * MiB] },
      { step: { op: 'unload' }, rc: 0, samples: [300 * MiB] },
    ]))).toContain('unload-deflates-all');
  });

  it('target 0 must be refused', () => {
    expect(failed(rec([{ step: { op: 'target', mib: 0, wait: true }, samples: [RAM] }]))).toContain('qmp-balloon-answers');
    expect(failed(rec([{ step: { op: 'target', mib: 0, wait: true }, samples: [RAM], extra: { qmpError: { kind: 'qmp-error', errorClass: 'GenericError', desc: 'x' } } }]))).toEqual([]);
  });
});
