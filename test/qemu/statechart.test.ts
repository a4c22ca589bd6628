// The statechart projection of QEMU records (qemu/statechart.ts), on hand-made records (no QEMU
// needed): plausible Linux behaviour is accepted by the virtio chart, and what the chart forbids
// is refused with the chart state and the spec rule in the message.
import { describe, expect, it } from 'vitest';
import { checkQemuProperties, qemuProperties } from '../../qemu/properties.ts';
import type { CaseRecord, StepRecord } from '../../qemu/runner.ts';
import { qemuGuestInput, runOnChart } from '../../qemu/statechart.ts';
import { MiB, type Step } from '../../qemu/steps.ts';

const RAM = 512 * MiB;
const pages = (actualMiB: number): number => ((512 - actualMiB) * MiB) / 4096;

interface Spec {
  step: Step;
  /** Polled actual values, MiB; the last is also the snapshot's. */
  samples?: number[];
  rc?: number;
  /** vmstat volume (pages) inflated and deflated again between the polls of this step. */
  churn?: number;
  qmpError?: boolean;
}

/** A record whose vmstat counters follow the samples exactly (plus any churn). */
function rec(specs: Spec[], deflateOnOom = false): CaseRecord {
  let target = RAM;
  let inflate = 0;
  let deflate = 0;
  let prev = 0;
  return {
    ramBytes: RAM, deflateOnOom, baseMemTotalKiB: 481_296, startActual: RAM, startCounters: { inflate: 0, deflate: 0 },
    guest: 'alive', consoleTail: '', consoleHighlights: [], ms: 1,
    steps: specs.map((s, index) => {
      const before = target;
      if (s.step.op === 'target' && s.step.mib > 0 && !s.qmpError) target = Math.min(s.step.mib * MiB, RAM);
      const samples = (s.samples ?? []).map((m) => m * MiB);
      for (const a of samples) {
        const b = (RAM - a) / 4096;
        if (b > prev) inflate += b - prev; else deflate += prev - b;
        prev = b;
      }
      inflate += s.churn ?? 0;
      deflate += s.churn ?? 0;
      const last = samples.at(-1);
      return {
        index, step: s.step, targetBefore: before, targetAfter: target, guest: 'alive', ms: 1,
        ...(s.rc !== undefined ? { rc: s.rc } : {}),
        ...(s.qmpError ? { qmpError: { kind: 'qmp-error', errorClass: 'GenericError', desc: 'x' } } : {}),
        ...(samples.length > 1 ? { settle: { end: 'reached', samples: samples.slice(0, -1), ms: 10 } } : {}),
        ...(last !== undefined ? {
          snapshot: { actual: last, stable: true, memTotalKiB: 1, memFreeKiB: 1, balloonInflate: inflate, balloonDeflate: deflate, driverLoaded: true },
        } : {}),
      } as StepRecord;
    }),
  };
}

const target = (mib: number, wait = true): Step => ({ op: 'target', mib, wait });
const refusal = (r: CaseRecord): string => runOnChart(r).refusal?.message ?? '';

describe('statechart-conformance: QEMU records on the virtio chart', () => {
  it('is in the property list with a doc', () => {
    const p = qemuProperties.find((x) => x.name === 'statechart-conformance');
    expect(p?.doc).toMatch(/num_pages = \(RAM - target\)\/4096/);
  });

  it('uses 4 KiB pages, Linux batches of 256 and the features QEMU offers, held to the linux profile', () => {
    expect(qemuGuestInput(RAM, true)).toEqual({
      ramPages: 131072, floorPages: 0, gpp: 1, maxBatch: 256, features: { mustTellHost: false, statsVq: true, deflateOnOom: true }, profile: 'linux',
    });
  });

  it('accepts a plausible case: inflate, reversal mid-flight, deflate, unload, target while unloaded, load', () => {
    const r = rec([
      { step: target(256), samples: [480, 300.5, 256] },
      // 256 pages toward 160 between two polls, then the new target turns it: counters show the detour.
      { step: target(160, false) },
      { step: target(400), samples: [258, 330, 400], churn: 256 },
      { step: { op: 'unload' }, rc: 0, samples: [512] },
      { step: target(300), samples: [512, 512] },
      { step: { op: 'load' }, rc: 0, samples: [450, 300] },
      { step: target(0), samples: [300], qmpError: true },
      { step: target(600), samples: [400, 512] },
    ]);
    const run = runOnChart(r);
    expect(run.refusal).toBeNull();
    expect(run.checked).toBeGreaterThan(10);
    expect(run.oomDeflates).toBe(0);
    expect(checkQemuProperties(r, ['statechart-conformance']).get('statechart-conformance')?.violations).toEqual([]);
  });

  it('refuses actual moving away from the target with no memory pressure, naming the rule', () => {
    const away = refusal(rec([{ step: target(256), samples: [300, 310] }], true));
    expect(away).toContain('actual 300 MiB -> 310 MiB (balloon 54272 -> 51712 pages, target 65536 pages)');
    expect(away).toContain('BUFFER_QUEUED deflate');
    expect(away).toContain('the driver deflates only while the balloon is above the wanted size');
    // Once at the target the driver is idle: any move needs a new target first.
    const after = refusal(rec([{ step: target(256), samples: [300, 256] }, { step: { op: 'free' }, rc: 0, samples: [260] }], true));
    expect(after).toContain('the driver moves the balloon only after a config change');
    expect(runOnChart(rec([{ step: target(256), samples: [300, 250] }])).refusal?.message).toContain('BUFFER_QUEUED inflate');
  });

  it('refuses actual changing while the driver is unloaded', () => {
    const r = rec([
      { step: { op: 'unload' }, rc: 0, samples: [512] },
      { step: target(300), samples: [480, 300] },
    ]);
    const run = runOnChart(r);
    expect(run.refusal?.step).toBe(1);
    expect(run.refusal?.message).toContain('not allowed in [driver.resetting');
    expect(checkQemuProperties(r).get('statechart-conformance')?.violations).toHaveLength(1);
  });

  it('refuses an rmmod that leaves pages in the balloon', () => {
    expect(refusal(rec([{ step: target(256), samples: [256] }, { step: { op: 'unload' }, rc: 0, samples: [300] }]))).toContain('driver.resetting');
  });

  it('with deflate-on-oom, a rise under a workload is the OOM deflate; without the feature it is refused', () => {
    const steps: Spec[] = [{ step: target(300), samples: [300] }, { step: { op: 'pressure', mib: 64 }, rc: 0, samples: [302] }];
    const on = runOnChart(rec(steps, true));
    expect(on.refusal).toBeNull();
    expect(on.oomDeflates).toBe(2); // 2 MiB = 2 x 256 pages, VIRTIO_BALLOON_OOM_NR_PAGES each
    expect(refusal(rec(steps, false))).toContain('the driver deflates on its own only with DEFLATE_ON_OOM');
  });

  it('with deflate-on-oom, a squeezed (unreachable) target may churn: OOM deflate, then the driver inflates again', () => {
    expect(runOnChart(rec([{ step: target(32), samples: [200, 77, 78, 77] }], true)).refusal).toBeNull();
  });

  it('refuses re-inflating after an OOM deflate at a reached target without a new target (the 2020 busy loop)', () => {
    const msg = refusal(rec([
      { step: target(300), samples: [300] },
      { step: { op: 'pressure', mib: 64 }, rc: 0, samples: [301, 300] },
    ], true));
    expect(msg).toContain('the driver moves the balloon only after a config change');
  });

  it('refuses a hidden there-and-back at a reached target that the counters reveal', () => {
    const msg = refusal(rec([{ step: target(256), samples: [256] }, { step: target(256), samples: [256], churn: 256 }]));
    expect(msg).toContain('vmstat counted 256 pages inflated and deflated again that actual never showed');
  });

  it('refuses an actual that is not a whole number of 4 KiB pages', () => {
    expect(refusal(rec([{ step: target(256), samples: [256.001] }]))).toContain('not a whole number of balloon pages');
  });

  it('refuses a target that is not applied: actual heads past it', () => {
    // The QMP call failed, so the device's num_pages stays 0 and no config change came.
    expect(refusal(rec([{ step: target(300), samples: [400], qmpError: true }]))).toContain('BUFFER_QUEUED inflate');
  });

  it('counts whole batches: a move of N pages is ceil(N/256) batches', () => {
    expect(pages(511)).toBe(256);
    const one = runOnChart(rec([{ step: target(511), samples: [511] }]));
    const two = runOnChart(rec([{ step: target(510), samples: [510] }]));
    expect(two.events - one.events).toBe(4); // one more inflate batch: queued, processed, ack consumed, actual written
  });
});
