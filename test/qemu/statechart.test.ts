// The statechart projection of QEMU records (qemu/statechart.ts), fed from the device's own trace:
// a recorded real trace (boot, inflate, deflate, rmmod, insmod) and the C1 boots are accepted;
// edited copies of it, and hand-written logs, are refused where the device trace shows a
// violation, with the chart state and the spec rule in the message. No QEMU needed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHostTrace } from '../../qemu/hostlog.ts';
import { checkQemuProperties, qemuProperties } from '../../qemu/properties.ts';
import type { CaseRecord, StepRecord } from '../../qemu/runner.ts';
import { qemuGuestInput, runOnChart } from '../../qemu/statechart.ts';
import { MiB, type Step } from '../../qemu/steps.ts';
import { qemuUnobservable } from '../../qemu/device-properties.ts';
import { buffer, RAM, range, recordOf, recordOfLines } from './hostlog-lines.ts';

const fixture = (file: string): string => readFileSync(new URL(`fixtures/${file}`, import.meta.url), 'utf8');
const refusal = (r: CaseRecord): string | null => runOnChart(r).refusal?.message ?? null;

/** The recorded trace, split into the case's steps at its `# step <op>` lines; `edit` changes the text first. */
function recorded(edit: (text: string) => string = (t) => t): CaseRecord {
  const parts = edit(fixture('qemu-balloon.trace')).split(/^# step /m).slice(1);
  return recordOfLines(parts.map((p) => {
    const [op, ...lines] = p.split('\n');
    const step: Step = op === 'target' ? { op: 'target', mib: 511, wait: true } : { op: op as 'unload' | 'load' };
    return { op: step, lines };
  }));
}

/** The same polled path of `actual` for every record: the property must not read it. */
function withPolledPath(r: CaseRecord, mib: number[]): CaseRecord {
  const steps = r.steps.map((s, i): StepRecord => i !== r.steps.length - 1 ? s : {
    ...s, settle: { end: 'reached', samples: mib.map((m) => m * MiB), ms: 10 },
    snapshot: { actual: mib.at(-1)! * MiB, stable: true, memTotalKiB: 1, memFreeKiB: 1, balloonInflate: 0, balloonDeflate: 0, driverLoaded: true },
  });
  return { ...r, steps };
}

describe('statechart-conformance: the device trace on the virtio chart', () => {
  it('holds the chart to the spec profile, with no batch bound of its own', () => {
    expect(qemuGuestInput(RAM, true)).toEqual({
      ramPages: 131072, floorPages: 0, gpp: 1, maxBatch: 131072, features: { mustTellHost: false, statsVq: true, deflateOnOom: true }, profile: 'spec',
    });
    const doc = qemuProperties.find((p) => p.name === 'statechart-conformance')?.doc ?? '';
    expect(doc).toMatch(/spec profile/);
    expect(doc).toMatch(/Not fed, because not observed/);
    expect(qemuUnobservable.map((u) => u.why).join(' ')).toMatch(/statechart-conformance feeds no allocation/);
  });

  it('checks nothing in a record without a device trace (it has nothing observed to feed)', () => {
    const bare = { ...recordOf([{ items: ['target 10'] }]), deviceStart: undefined };
    expect(runOnChart(bare)).toMatchObject({ checked: 0, events: 0, refusal: null });
    expect(checkQemuProperties(bare, ['statechart-conformance']).get('statechart-conformance')?.checked).toBe(0);
  });

  it('accepts the recorded real trace: boot, inflate 512 pages in two buffers, deflate 256, rmmod, insmod, inflate again', () => {
    const run = runOnChart(recorded());
    expect(run.refusal).toBeNull();
    // 4 inflate or deflate buffers outside rmmod, 4 actual writes, 21 resets (19 at boot, 2 at rmmod), 4 stats posts, 2 stats uses.
    expect(run.checked).toBe(35);
    expect(run.state).toContain('driver.idle');
  });

  it('refuses the recorded trace edited where the device shows a violation', () => {
    // num_pages 200 instead of 512: the second 256-pfn inflate starts above num_pages (statement 10).
    expect(refusal(recorded((t) => t.replace('num_pages: 512', 'num_pages: 200'))))
      .toMatch(/inflate buffer of 256 pfns \(balloon 256 pages, num_pages 200\): BUFFER_QUEUED inflate .* num_pages is at least the balloon/);
    // The driver reports 300 pages after a 256-pfn inflate (statements 18, 19).
    expect(refusal(recorded((t) => t.replace('actual: 256 oldactual: 0', 'actual: 300 oldactual: 0'))))
      .toMatch(/wrote actual 300 .* actual, when written, lies between the acknowledged balloon/);
    // rmmod without the device reset: its own leak is then a deflate nobody asked for (statement 11).
    expect(refusal(recorded((t) => t.replace(/^.*virtio_set_status .* val 0\n/gm, (l) => (l.startsWith('2157@17963038') ? '' : l)))))
      .toMatch(/deflate buffer of 256 pfns .* the driver deflates only while num_pages is below the balloon/);
  });

  it('judges the batches the device saw, not the polled actual: same polled path, different verdicts', () => {
    const two = ['target 512', ...buffer(0, range(1000, 256)), 'actual 256', ...buffer(0, range(2000, 256)), 'actual 512'];
    // The second batch is counted in actual before the driver queued it.
    const early = ['target 512', ...buffer(0, range(1000, 256)), 'actual 512', ...buffer(0, range(2000, 256)), 'actual 512'];
    // One buffer deflates pages the device never acknowledged as inflated.
    const split = ['target 512', ...buffer(0, range(1000, 256)), 'actual 256', ...buffer(1, range(1000, 300)), ...buffer(0, range(2000, 556)), 'actual 512'];
    const path = [511, 510];
    expect(refusal(withPolledPath(recordOf([{ items: two }]), path))).toBeNull();
    expect(refusal(withPolledPath(recordOf([{ items: early }]), path))).toMatch(/wrote actual 512 .* lies between the acknowledged balloon/);
    expect(refusal(withPolledPath(recordOf([{ items: split }]), path))).toMatch(/deflate buffer of 300 pfns .* only acknowledged balloon pages/);
  });

  it('counts what it judged in a clean stream, stats buffers included', () => {
    const run = runOnChart(recordOf([{ items: [
      'target 300', ...buffer(0, range(1000, 256)), 'actual 256', ...buffer(0, range(2000, 44)), 'actual 300',
      'target 200', ...buffer(1, range(1000, 100)), 'actual 200', 'kick 2', 'pop 2', 'used 2', 'kick 2', 'pop 2',
    ] }]));
    expect(run).toMatchObject({ refusal: null, checked: 8, oomDeflates: 0 });
  });

  it('feeds a deflate below num_pages as an OOM deflate only with DEFLATE_ON_OOM (statements 11, 12)', () => {
    const items = ['target 10', ...buffer(0, range(1, 10)), 'actual 10', ...buffer(1, range(1, 4)), 'actual 6'];
    expect(refusal(recordOf([{ items }]))).toMatch(/deflate buffer of 4 pfns .* num_pages is below the balloon/);
    const doo = runOnChart(recordOf([{ items }], { deflateOnOom: true, variant: 'deflate-on-oom', features: '0110000000' }));
    expect(doo).toMatchObject({ refusal: null, oomDeflates: 1 });
  });

  it('accepts balloon page migration: one page in, one page out, no config change, no actual write (spec review A1, FINDINGS 24)', () => {
    expect(refusal(recordOf([{ items: ['target 10', ...buffer(0, range(1, 10)), 'actual 10', ...buffer(0, [50]), ...buffer(1, [1]), ...buffer(0, [51]), ...buffer(1, [2])] }]))).toBeNull();
  });

  it('accepts a migration while the worker is below num_pages between its ack and its actual write (CI, seed 42: a 1-pfn deflate at balloon 107009 of 122880); a lone deflate or a bigger one there is still refused', () => {
    const mid = ['target 20', ...buffer(0, range(1, 10))];
    expect(refusal(recordOf([{ items: [...mid, ...buffer(0, [50]), ...buffer(1, [1]), ...buffer(0, range(11, 10)), 'actual 20'] }]))).toBeNull();
    expect(runOnChart(recordOf([{ items: [...mid, ...buffer(0, [50]), ...buffer(1, [1])] }])).migrations).toBe(1);
    expect(refusal(recordOf([{ items: [...mid, ...buffer(1, [1])] }]))).toMatch(/deflate buffer of 1 pfns \(balloon 10 pages, num_pages 20\): .*deflates only while num_pages is below the balloon/);
    expect(refusal(recordOf([{ items: [...mid, ...buffer(0, [50]), ...buffer(1, [1, 2])] }]))).toMatch(/deflate buffer of 2 pfns/);
    expect(refusal(recordOf([{ items: [...mid, ...buffer(0, [50]), 'actual 11', ...buffer(1, [1])] }]))).toMatch(/deflate buffer of 1 pfns/);
  });

  it('keeps a stats buffer used and re-posted in the middle of a migration (CI, seed 42: the stats timer fired between the inflate and the deflate of a migration pair)', () => {
    // The probe's kick of the stats queue (posted before the case began) names its vq to the parser.
    const mid = ['kick 2', 'target 20', ...buffer(0, range(1, 10))];
    const statsTurn = ['used 2', 'kick 2', 'pop 2'];
    const items = [...mid, ...buffer(0, [50]), ...statsTurn, ...buffer(1, [1]), ...buffer(0, range(11, 10)), 'actual 20', ...statsTurn];
    const run = runOnChart(recordOf([{ items }], { deviceStart: { statsHeld: true } }));
    expect(run).toMatchObject({ refusal: null, migrations: 1 });
    // Still refused: a second use with no re-post in between, across the same migration.
    const twice = [...mid, ...buffer(0, [50]), 'used 2', ...buffer(1, [1]), 'used 2'];
    expect(refusal(recordOf([{ items: twice }], { deviceStart: { statsHeld: true } }))).toMatch(/used a stats buffer the driver had not made available/);
  });

  it('accepts the worker\'s actual write between a migration\'s inflate and its deflate (update_balloon_size takes no balloon_lock; it counts the balloon without the migration\'s new page), and refuses an inflate so counted that no deflate follows', () => {
    const mid = ['target 20', ...buffer(0, range(1, 10))];
    const ok = runOnChart(recordOf([{ items: [...mid, ...buffer(0, [50]), 'actual 10', ...buffer(1, [1]), ...buffer(0, range(11, 10)), 'actual 20'] }]));
    expect(ok).toMatchObject({ refusal: null, migrations: 1 });
    // The same write with the inflate counted is the worker's own inflate: the deflate after it is still refused.
    expect(refusal(recordOf([{ items: [...mid, ...buffer(0, [50]), 'actual 11', ...buffer(1, [1])] }]))).toMatch(/deflate buffer of 1 pfns/);
    expect(refusal(recordOf([{ items: [...mid, ...buffer(0, [50]), 'actual 10', ...buffer(0, [51])] }]))).toMatch(/which the actual write after it counted out of the balloon, is no migration/);
    // A host target move in the middle is kept across the rollback.
    const moved = runOnChart(recordOf([{ items: [...mid, ...buffer(0, [50]), 'target 15', ...buffer(1, [1]), ...buffer(0, range(11, 5)), 'actual 15'] }]));
    expect(moved).toMatchObject({ refusal: null, migrations: 1 });
  });

  it('after a device reset the balloon is empty: a deflate before any inflate is refused (statement 17)', () => {
    const up = ['status 1', 'status 3', 'status 11', 'kick 2', 'pop 2', 'status 15'];
    const before = ['target 10', ...buffer(0, range(1, 10)), 'actual 10'];
    expect(refusal(recordOf([{ items: before }, { op: { op: 'unload' }, items: [...buffer(1, range(1, 10)), 'actual 0', 'status 0', 'status 1'] },
      { op: { op: 'load' }, items: [...up, ...buffer(0, range(1, 10)), 'actual 10'] }]))).toBeNull();
    expect(refusal(recordOf([{ items: before }, { items: ['status 0', ...up, ...buffer(1, range(1, 10)), 'actual 0'] }])))
      .toMatch(/deflate buffer of 10 pfns \(balloon 0 pages, num_pages 10\): .* only acknowledged balloon pages/);
  });

  it('refuses a second stats buffer, a stats buffer used that was never made available, and a bad pfn', () => {
    expect(refusal(recordOf([{ items: ['kick 2', 'pop 2', 'kick 2', 'pop 2'] }]))).toMatch(/took a stats buffer while one was outstanding: .* at most one stats buffer/);
    expect(refusal(recordOf([{ items: ['kick 2', 'pop 2', 'used 2', 'used 2'] }]))).toMatch(/used a stats buffer the driver had not made available/);
    expect(refusal(recordOf([{ items: ['target 3', 'kick 0', 'pop 0', 'pfn 1', 'bad 2', 'pfn 3', 'used 0', 'actual 2'] }])))
      .toMatch(/inflate buffer of 3 pfns \(1 bad\).* accepts every gpfn/);
  });

  it('refuses the stale actual the OOM notifier wrote on the real system (review C2, FINDINGS 32: deflate-on-oom, seed 16)', () => {
    // The observed order, scaled down: an OOM deflate of 256 with no write after it, the worker
    // inflates 34 and writes the right value, inflates 256, then the notifier's write lands with
    // num_pages as it read it right after its own deflate (update_balloon_size outside balloon_lock).
    const doo = { deflateOnOom: true, variant: 'deflate-on-oom', features: '0110000000' };
    const items = ['target 1000', ...buffer(0, range(1, 256)), 'actual 256 0', ...buffer(0, range(300, 256)), 'actual 512 256',
      ...buffer(1, range(1, 256)), ...buffer(0, range(600, 34)), 'actual 290 512', ...buffer(0, range(700, 256)), 'actual 256 290'];
    const r = recordOf([{ items }], doo);
    expect(refusal(r)).toMatch(/wrote actual 256 \(was 290; balloon 546 pages\).* lies between the acknowledged balloon/);
    expect(checkQemuProperties(r, ['actual-matches-device']).get('actual-matches-device')?.violations.map((v) => v.message))
      .toEqual(['driver wrote actual 256 while the device holds 546 ballooned pages']);
    // Written in the order the balloon moved, the same buffers are accepted, the OOM deflate as one.
    const fine = recordOf([{ items: [...items.slice(0, -1), 'actual 546 290'] }], doo);
    expect(runOnChart(fine)).toMatchObject({ refusal: null, oomDeflates: 1 });
  });

  it('accepts the recorded C1 boots (probe, hibernate, resume; reporting left out)', () => {
    for (const file of ['c1-hibernate.trace', 'c1-resume.trace']) {
      const r = recordOfLines([{ op: { op: 'load' }, lines: fixture(file).split('\n') }], { variant: 'page-poison', features: '0100110000' });
      expect(r.steps[0]!.device).toEqual(parseHostTrace(fixture(file)));
      const run = runOnChart(r);
      expect(run.refusal).toBeNull();
      expect(run.checked).toBeGreaterThan(5);
    }
  });
});
