// The host-trace properties (qemu/device-properties.ts) on hand-written QEMU trace logs: a clean
// stream passes, and each doctored stream fails the property that names its fault (no QEMU needed).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deviceProperties, qemuUnobservable } from '../../qemu/device-properties.ts';
import { parseHostTrace } from '../../qemu/hostlog.ts';
import { checkQemuProperties } from '../../qemu/properties.ts';
import type { CaseRecord } from '../../qemu/runner.ts';
import { buffer, log, RAM, range, recordOf } from './hostlog-lines.ts';

const rec = recordOf;

const failing = (r: CaseRecord): string[] => {
  const names = deviceProperties.map((p) => p.name);
  return [...checkQemuProperties(r, names)].filter(([, o]) => o.violations.length > 0).map(([n]) => n);
};

// Inflate 300 pages in two Linux passes, then the host asks for 100 back: one deflate pass.
const clean = [
  'target 300', ...buffer(0, range(1000, 256)), 'actual 256', ...buffer(0, range(2000, 44)), 'actual 300',
  'target 200', ...buffer(1, range(1000, 100)), 'actual 200',
];

describe('the host trace parser', () => {
  it('maps queue pointers from their notify, and folds consecutive pfns into runs', () => {
    const ev = parseHostTrace(log([...buffer(0, [5, 6, 7, 9]), 'actual 4']));
    expect(ev.map((e) => e.k)).toEqual(['pop', 'pfns', 'used', 'actual']);
    expect(ev[1]).toMatchObject({ k: 'pfns', q: 0, runs: [[5, 3], [9, 1]] });
    expect(ev[3]).toMatchObject({ k: 'actual', actual: 4 });
    expect(ev[3]!.t).toBeCloseTo(7, 3); // the eighth line, 1 ms a line
  });
});

describe('host-trace properties', () => {
  it('pass a clean Linux-shaped stream, each making checks', () => {
    const r = rec([{ items: clean }, { items: [...buffer(2, []), 'used 2', 'kick 2', 'pop 2'] }]);
    expect(failing(r)).toEqual([]);
    const checks = [...checkQemuProperties(r, deviceProperties.map((p) => p.name))].map(([n, o]) => [n, o.checked > 0]);
    // poison-val-before-driver-ok applies only with PAGE_POISON (its own test below).
    expect(checks.filter(([, c]) => !c).map(([n]) => n)).toEqual(['poison-val-before-driver-ok']);
  });

  it('make no checks without a host trace (so a record without one cannot pass them vacuously unnoticed)', () => {
    const r = rec([{ items: clean }]);
    const bare = { ...r, deviceStart: undefined, features: undefined } as unknown as CaseRecord;
    expect([...checkQemuProperties(bare, deviceProperties.map((p) => p.name)).values()].every((o) => o.checked === 0)).toBe(true);
  });

  it('catch a deflate of a page no acknowledged inflate put in the balloon (statement 17)', () => {
    expect(failing(rec([{ items: ['target 10', ...buffer(0, range(1, 10)), 'actual 10', 'target 5', ...buffer(1, [1, 2, 3, 4, 99]), 'actual 5'] }])))
      .toContain('deflates-only-acked-inflates');
    // Deflating a page whose inflate was popped but not yet used: not acknowledged either.
    expect(failing(rec([{ items: ['target 10', 'kick 0', 'pop 0', 'pfn 1', 'kick 1', 'pop 1', 'pfn 1', 'used 1', 'used 0'] }])))
      .toContain('deflates-only-acked-inflates');
  });

  it('catch an actual write that does not match the device, or comes before the buffer is used (statement 18)', () => {
    expect(failing(rec([{ items: ['target 3', ...buffer(0, [1, 2, 3]), 'actual 2'] }]))).toContain('actual-matches-device');
    expect(failing(rec([{ items: ['target 3', 'kick 0', 'pop 0', 'pfn 1', 'pfn 2', 'pfn 3', 'actual 3', 'used 0'] }]))).toContain('actual-matches-device');
  });

  it('catch a buffer of more than 256 pfns under the Linux profile', () => {
    expect(failing(rec([{ items: ['target 300', ...buffer(0, range(1, 257)), 'actual 257'] }]))).toEqual(['linux-batch-size']);
  });

  it('catch a deflate nobody asked for without DEFLATE_ON_OOM, but accept migration, rmmod and deflate-on-oom (statement 11, A1)', () => {
    const unasked = ['target 10', ...buffer(0, range(1, 10)), 'actual 10', ...buffer(1, [1]), 'actual 9'];
    expect(failing(rec([{ items: unasked }]))).toContain('deflates-only-when-asked');
    expect(failing(rec([{ items: unasked }], { deflateOnOom: true, variant: 'deflate-on-oom', features: '0110000000' }))).toEqual([]);
    const migrate = ['target 10', ...buffer(0, range(1, 10)), 'actual 10', ...buffer(0, [50]), ...buffer(1, [1])];
    expect(failing(rec([{ items: migrate }]))).toEqual([]);
    expect(failing(rec([{ items: ['target 10', ...buffer(0, range(1, 10)), 'actual 10'] }, { op: { op: 'unload' }, items: [...buffer(1, range(1, 10)), 'actual 0', 'status 0'] }]))).toEqual([]);
    // A deflate that follows a raised target read before it is fine (the driver read the old one).
    expect(failing(rec([{ items: ['target 10', ...buffer(0, range(1, 10)), 'actual 10', 'target 4', 'target 12', ...buffer(1, range(1, 6)), 'actual 4'] }]))).toEqual([]);
  });

  it('catch a second stats buffer, and a stats buffer not re-posted (statements 25-27)', () => {
    expect(failing(rec([{ items: ['kick 2', 'pop 2', 'kick 2', 'pop 2'] }]))).toContain('stats-one-buffer');
    const idle = Array.from({ length: 10_500 }, () => 'target 0'); // 1 ms a line: past STATS_REPOST_MS
    expect(failing(rec([{ items: ['kick 2', 'pop 2', 'used 2', ...idle] }]))).toContain('stats-reposted');
    expect(failing(rec([{ items: ['status 15', ...idle] }]))).toContain('stats-reposted');
    expect(failing(rec([{ items: ['kick 2', 'pop 2', 'status 15', 'used 2', 'kick 2', 'pop 2', ...idle] }]))).toEqual([]);
  });

  it('catch a popped buffer the device never uses', () => {
    expect(failing(rec([{ items: ['target 2', 'kick 0', 'pop 0', 'pfn 1', 'kick 0', 'pop 0', 'pfn 2', 'used 0'] }]))).toContain('device-uses-each-buffer');
  });

  it('catch DRIVER_OK without a poison_val write when PAGE_POISON is negotiated (statement 55)', () => {
    const up = (write: boolean): string[] => ['status 0', 'status 1', 'status 3', 'status 11', ...(write ? ['actual 0'] : []), 'status 15'];
    const poison = { variant: 'page-poison', features: '0100110000' };
    expect(failing(rec([{ op: { op: 'load' }, items: up(true) }], poison))).toEqual([]);
    expect(failing(rec([{ op: { op: 'load' }, items: up(false) }], poison))).toContain('poison-val-before-driver-ok');
    // QEMU re-writes the current status on a run-state change (a dying guest stops the VM): not a bring-up.
    expect(failing(rec([{ items: ['target 3', 'status 15'] }], poison))).toEqual([]);
    // Without PAGE_POISON there is nothing to write.
    expect(failing(rec([{ op: { op: 'load' }, items: up(false) }]))).toEqual([]);
  });

  it('find C1 in the device trace of the real hibernate/resume run (qemu/c1/run.sh, FINDINGS 23)', () => {
    // The balloon's lines of QEMU's trace, boot 1 (probe, then freeze and thaw around the image
    // write) and boot 2 (the resumed image's virtballoon_restore): page_poison=1, reporting on.
    const asRecord = (file: string): CaseRecord => ({
      ramBytes: RAM, deflateOnOom: false, baseMemTotalKiB: 1, startActual: RAM, guest: 'dead', consoleTail: '', consoleHighlights: [], ms: 1,
      deviceStart: { statsHeld: false }, variant: 'page-poison', features: '0100110000',
      steps: [{ index: 0, step: { op: 'load' }, targetBefore: RAM, targetAfter: RAM, guest: 'alive', ms: 1, device: parseHostTrace(readFileSync(new URL(`fixtures/${file}`, import.meta.url), 'utf8')) }],
    });
    const boot1 = checkQemuProperties(asRecord('c1-hibernate.trace'), ['poison-val-before-driver-ok']).get('poison-val-before-driver-ok')!;
    expect(boot1.checked).toBe(2); // probe (written), thaw after the image was made (not written)
    expect(boot1.violations).toHaveLength(1);
    const boot2 = checkQemuProperties(asRecord('c1-resume.trace'), ['poison-val-before-driver-ok']).get('poison-val-before-driver-ok')!;
    expect(boot2.violations.map((v) => v.message)).toEqual(['DRIVER_OK set with PAGE_POISON negotiated but no config write (poison_val) since FEATURES_OK']);
  });

  it('catch negotiated features the variant does not expect', () => {
    expect(failing(rec([{ items: clean }], { variant: 'page-poison', features: '0100010000' }))).toEqual(['variant-features-negotiated']);
    expect(failing(rec([{ items: clean }], { variant: 'page-poison', features: '0100110000' }))).toEqual([]);
  });

  it('say what they cannot observe', () => {
    expect(qemuUnobservable.map((u) => u.what).join(' ')).toMatch(/statement 16/);
  });
});
