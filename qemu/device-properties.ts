// Properties read from what the QEMU device itself did (its trace, qemu/hostlog.ts), so they
// check observed buffers, pfns, acknowledgements and `actual` writes, not a projection's guess
// (spec review B4). Each cites the VIRTIO 1.2 §5.5 statement (numbering of
// ../shared/virtio-spec-review.md, as in docs/virtio-spec.md) or names the Linux narrowing it
// encodes. A record without a host trace (older traces, hostTrace off) exercises none of them.
import type { DeviceEvent } from './hostlog.ts';
import type { QemuProperty, Violation } from './properties.ts';
import type { CaseRecord, StepRecord } from './runner.ts';
import { balloonBits, findVariant, legacyVariant, REPORTING_QUEUE } from './variants.ts';

/** Linux VIRTIO_BALLOON_ARRAY_PFNS_MAX: the most pfns fill_balloon/leak_balloon put in one buffer. */
export const LINUX_MAX_PFNS = 256;
/** How long the driver may take to re-post a stats buffer QEMU used: a bound of the harness, not of
 * the spec (which sets none). Linux re-posts from stats_handle_request, a work item queued by the
 * stats virtqueue's callback; on a loaded 2-core host under TCG with the guest under memory
 * pressure, 2 s was once exceeded (bench run of the free-page-reporting variant, FINDINGS 26). */
export const STATS_REPOST_MS = 10_000;

const INFLATE = 0;
const DEFLATE = 1;
const STATS = 2;

interface Seen {
  readonly step: StepRecord;
  readonly e: DeviceEvent;
  /** pfns the device holds as ballooned (inflated and used) just before this event. */
  readonly balloon: ReadonlySet<number>;
}

/** Visits every device event of a record in order, with the device's balloon before it. */
function deviceWalk(rec: CaseRecord, visit: (s: Seen) => void): void {
  const balloon = new Set<number>();
  const open = new Map<number, number[]>();
  for (const step of rec.steps) {
    for (const e of step.device ?? []) {
      visit({ step, e, balloon });
      if (e.k === 'pfns') open.set(e.q, (open.get(e.q) ?? []).concat(expand(e.runs)));
      if (e.k === 'used' && (e.q === INFLATE || e.q === DEFLATE)) {
        for (const p of open.get(e.q) ?? []) { if (e.q === INFLATE) balloon.add(p); else balloon.delete(p); }
        open.delete(e.q);
      }
    }
  }
}

function expand(runs: ReadonlyArray<readonly [number, number]>): number[] {
  const out: number[] = [];
  for (const [first, n] of runs) for (let i = 0; i < n; i++) out.push(first + i);
  return out;
}

const hasTrace = (rec: CaseRecord): boolean => rec.deviceStart !== undefined;
const hex = (pfn: number): string => `0x${pfn.toString(16)}`;

function prop(name: string, doc: string, body: (rec: CaseRecord, count: () => void, fail: (step: number, msg: string) => void) => void): QemuProperty {
  return {
    name, doc,
    check(rec) {
      let checked = 0;
      const violations: Violation[] = [];
      // The first violation of a case is the one to read; the same fault repeats in every later buffer.
      if (hasTrace(rec)) body(rec, () => { checked++; }, (step, message) => { if (violations.length === 0) violations.push({ property: name, step, message }); });
      return { checked, violations };
    },
  };
}

export const deviceProperties: readonly QemuProperty[] = [
  prop('deflates-only-acked-inflates',
    'Host trace. Every pfn in a deflate buffer is one the device holds as ballooned: inflated in a buffer the device already used (5.5.6.1 statement 17: no deflation before the inflate is acknowledged; statement 13).',
    (rec, count, fail) => deviceWalk(rec, ({ step, e, balloon }) => {
      if (e.k !== 'pfns' || e.q !== DEFLATE) return;
      count();
      const stray = expand(e.runs).filter((p) => !balloon.has(p));
      if (stray.length > 0) fail(step.index, `deflate buffer carries ${stray.length} pfn(s) no acknowledged inflate put in the balloon (first ${hex(stray[0] as number)})`);
    })),
  prop('actual-matches-device',
    'Host trace. Every `actual` the driver writes equals the pages the device holds as ballooned, with no inflate or deflate buffer outstanding (5.5.6.1 statement 18, and Linux\'s order: update_balloon_size after each fill_balloon/leak_balloon pass, whose tell_host waits for the device to use the buffer; remove_common writes once after all its passes, statement 19).',
    (rec, count, fail) => {
      let outstanding = new Set<number>();
      deviceWalk(rec, ({ step, e, balloon }) => {
        if (e.k === 'pop' && (e.q === INFLATE || e.q === DEFLATE)) outstanding.add(e.q);
        if (e.k === 'used') outstanding.delete(e.q);
        if (e.k === 'status' && e.status === 0) outstanding = new Set();
        if (e.k !== 'actual') return;
        count();
        if (e.actual !== balloon.size) fail(step.index, `driver wrote actual ${e.actual} while the device holds ${balloon.size} ballooned pages`);
        else if (outstanding.size > 0) fail(step.index, `driver wrote actual ${e.actual} while a ${outstanding.has(INFLATE) ? 'inflate' : 'deflate'} buffer was not yet used`);
      });
    }),
  prop('linux-batch-size',
    `Host trace, Linux profile (spec review A3). Every inflate and deflate buffer carries 1 to ${LINUX_MAX_PFNS} pfns (VIRTIO_BALLOON_ARRAY_PFNS_MAX in fill_balloon and leak_balloon); the spec itself sets no bound.`,
    (rec, count, fail) => {
      let cur: { q: number; n: number; step: number } | null = null;
      const end = (): void => {
        if (cur === null) return;
        count();
        if (cur.n < 1 || cur.n > LINUX_MAX_PFNS) fail(cur.step, `${cur.q === INFLATE ? 'inflate' : 'deflate'} buffer of ${cur.n} pfns`);
        cur = null;
      };
      deviceWalk(rec, ({ step, e }) => {
        if (e.k === 'pop') { end(); if (e.q === INFLATE || e.q === DEFLATE) cur = { q: e.q, n: 0, step: step.index }; }
        if (e.k === 'pfns' && cur !== null && e.q === cur.q) cur.n += e.runs.reduce((a, r) => a + r[1], 0);
        if (e.k === 'bad-pfn' && cur !== null) cur.n++;
        if (e.k === 'used') end();
      });
      end();
    }),
  prop('deflates-only-when-asked',
    'Host trace. Without DEFLATE_ON_OOM, a deflate buffer comes only when some num_pages the host set since the driver\'s previous pass was below the pages in the balloon (5.5.6.1 statement 11, read as spec issue 228 intends). Exempt: rmmod\'s own deflate (remove_common, FINDINGS 16), and balloon page migration, a deflate of as many pfns as the inflate just before it with no `actual` write between (virtballoon_migratepage; spec review A1).',
    (rec, count, fail) => {
      if (rec.deflateOnOom) return;
      let numPages = 0; // the case starts after a reset to target = RAM
      let since: number[] = [numPages];
      let prev: { q: number; n: number } | null = null; // the last inflate/deflate buffer, reset by an actual write
      let cur: { q: number; n: number; step: StepRecord; size: number; since: number[] } | null = null;
      const judge = (): void => {
        if (cur === null || cur.q !== DEFLATE) return;
        const migration = prev !== null && prev.q === INFLATE && prev.n === cur.n;
        if (cur.step.step.op === 'unload' || migration) return;
        count();
        if (!cur.since.some((n) => n < cur!.size)) fail(cur.step.index, `deflate of ${cur.n} pfns with ${cur.size} pages in the balloon while num_pages was ${[...new Set(cur.since)].join(', ')}`);
      };
      deviceWalk(rec, ({ step, e, balloon }) => {
        if (e.k === 'target') { numPages = e.numPages; since.push(numPages); }
        if (e.k === 'pop' && (e.q === INFLATE || e.q === DEFLATE)) cur = { q: e.q, n: 0, step, size: balloon.size, since: [...since] };
        if (e.k === 'pfns' && cur !== null && e.q === cur.q) cur.n += e.runs.reduce((a, r) => a + r[1], 0);
        if (e.k === 'used' && cur !== null && e.q === cur.q) { judge(); prev = { q: cur.q, n: cur.n }; cur = null; since = [numPages]; }
        if (e.k === 'actual') { prev = null; since = [numPages]; }
      });
      judge();
    }),
  prop('stats-one-buffer',
    'Host trace. The driver never makes a second stats buffer available while the device holds one (5.5.6.3.1 statement 25); a device reset (status 0) returns the held one.',
    (rec, count, fail) => {
      let held = rec.deviceStart?.statsHeld ?? false;
      deviceWalk(rec, ({ step, e }) => {
        if (e.k === 'status' && e.status === 0) held = false;
        if (e.k === 'used' && e.q === STATS) held = false;
        if (e.k !== 'pop' || e.q !== STATS) return;
        count();
        if (held) fail(step.index, 'a second stats buffer was made available while the device held one');
        held = true;
      });
    }),
  prop('stats-reposted',
    `Host trace. After the device uses a stats buffer, and after the driver sets DRIVER_OK, the driver makes a stats buffer available within ${STATS_REPOST_MS} ms (5.5.6.3.1 statements 26 and 27); a reset in between, or the record ending sooner, leaves it unchecked.`,
    (rec, count, fail) => {
      let due: { t: number; step: number; why: string } | null = null;
      let held = rec.deviceStart?.statsHeld ?? false;
      let ok = 0;
      deviceWalk(rec, ({ step, e }) => {
        if (due !== null && e.t > due.t + STATS_REPOST_MS) { count(); fail(due.step, `no stats buffer within ${STATS_REPOST_MS} ms after ${due.why}`); due = null; }
        if (e.k === 'status' && e.status === 0) { due = null; held = false; ok = 0; }
        if (e.k === 'status' && (e.status & 4) !== 0 && (ok & 4) === 0 && !held) due = { t: e.t, step: step.index, why: 'DRIVER_OK' };
        if (e.k === 'status') ok = e.status;
        if (e.k === 'used' && e.q === STATS) { held = false; due = { t: e.t, step: step.index, why: 'the device used the last one' }; }
        if (e.k === 'pop' && e.q === STATS) { held = true; if (due !== null) { count(); due = null; } }
      });
    }),
  prop('device-uses-each-buffer',
    'Host trace. QEMU uses every inflate, deflate and reporting buffer it pops before it pops the next on that queue, and before the case ends (virtio_balloon_handle_output and virtio_balloon_handle_report push each element at once; the driver\'s tell_host and report wait for that).',
    (rec, count, fail) => {
      const open = new Map<number, number>();
      const served = [INFLATE, DEFLATE, REPORTING_QUEUE];
      deviceWalk(rec, ({ step, e }) => {
        if (e.k === 'status' && e.status === 0) open.clear();
        if (e.k === 'used') open.delete(e.q);
        if (e.k !== 'pop' || !served.includes(e.q)) return;
        count();
        if (open.has(e.q)) fail(step.index, `queue ${e.q}: a buffer was popped while the one popped at step ${open.get(e.q)} was never used`);
        open.set(e.q, step.index);
      });
      if (rec.guest === 'alive') for (const [q, at] of open) fail(at, `queue ${q}: a popped buffer was never used by the end of the case`);
    }),
  prop('poison-val-before-driver-ok',
    'Host trace. With PAGE_POISON negotiated, the driver writes the configuration (poison_val) between FEATURES_OK and DRIVER_OK every time it brings the device up (5.5.6.6.1 statement 55; QEMU\'s set_config traces every config write, and a reset zeroes poison_val). Candidate C1 of the spec review: Linux virtballoon_restore does not (FINDINGS 23).',
    (rec, count, fail) => {
      if (rec.features === undefined || !balloonBits(rec.features).includes('pagePoison')) return;
      let written: boolean | null = null; // null: FEATURES_OK not seen since the last DRIVER_OK
      // Unknown until the first status event: QEMU also traces a re-write of the current status
      // on every run-state change (virtio_vmstate_change), which is no bring-up.
      let status: number | null = null;
      deviceWalk(rec, ({ step, e }) => {
        if (e.k === 'actual' && written === false) written = true;
        if (e.k !== 'status') return;
        if (status === null) { status = e.status; return; }
        const driverOk = (e.status & 4) !== 0 && (status & 4) === 0;
        if ((e.status & 8) !== 0 && (status & 8) === 0) written = driverOk ? null : false; // both at once: not a driver's bring-up
        if (driverOk && written !== null) {
          count();
          if (!written) fail(step.index, 'DRIVER_OK set with PAGE_POISON negotiated but no config write (poison_val) since FEATURES_OK');
          written = null;
        }
        status = e.status;
      });
    }),
  prop('variant-features-negotiated',
    'The balloon feature bits (0-5) the guest negotiated, read from its sysfs, are the ones the variant expects Linux to accept from QEMU (qemu/variants.ts; Linux virtballoon_validate, statements 2 and 3).',
    (rec, count, fail) => {
      if (rec.features === undefined) return;
      const v = (rec.variant !== undefined ? findVariant(rec.variant) : null) ?? legacyVariant(rec.deflateOnOom);
      count();
      const got = balloonBits(rec.features);
      if (got.join(',') !== [...v.negotiated].sort(byBit).join(',')) fail(0, `negotiated ${got.join(', ') || 'nothing'}; variant ${v.name} expects ${v.negotiated.join(', ')}`);
    }),
];

const ORDER = ['mustTellHost', 'statsVq', 'deflateOnOom', 'freePageHint', 'pagePoison', 'reporting'];
function byBit(a: string, b: string): number { return ORDER.indexOf(a) - ORDER.indexOf(b); }

/** What the real-system check cannot observe on QEMU + Linux, and why: printed by `balloon qemu`. */
export const qemuUnobservable: readonly { readonly what: string; readonly why: string }[] = [
  { what: 'statements 14 and 21 (MUST_TELL_HOST)', why: 'QEMU never offers MUST_TELL_HOST (FINDINGS 1)' },
  { what: 'statement 16 (no use of a page between inflate and acknowledgement)', why: 'guest memory accesses are not traced; only the device side is' },
  { what: 'the guest driver consuming an acknowledgement (ACK_CONSUMED)', why: 'the used ring read is guest-side; statechart-conformance takes it as consumed when the device uses the buffer (Linux tell_host waits for that), and actual-matches-device checks the write that follows it' },
  { what: 'spec review A2 (a driver accepting out-of-order service)', why: 'QEMU uses each buffer as soon as it pops it (device-uses-each-buffer)' },
  { what: 'an allocation failure before an OOM deflate (statement 12; the linux profile asks one)', why: 'Linux\'s OOM notifier leaves no trace on the device; statechart-conformance, held to the spec profile, accepts an OOM deflate with DEFLATE_ON_OOM negotiated and none in evidence' },
  { what: 'which guest pages are free when inflated (inv 5, "inflate only free pages")', why: 'the guest allocator is not observed; statechart-conformance feeds no allocation, so that rule cannot bite' },
  { what: 'the linux profile\'s driver turn (a move only after a config change) and its order of actual writes', why: 'real Linux migrates balloon pages on its own (FINDINGS 24, spec review A1), so statechart-conformance holds the trace to the spec profile; the Linux order of actual writes is actual-matches-device' },
  { what: 'the pages of a free page report on the chart', why: 'QEMU traces a report\'s buffer, not its pages (virtio_balloon_handle_report); statechart-conformance leaves reports out, device-uses-each-buffer checks each is used' },
  { what: 'rmmod\'s own deflates against statement 11', why: 'remove_common leaks every page just before the device reset; statechart-conformance takes them as that reset\'s (RESET returns every page), deflates-only-acked-inflates and actual-matches-device check them as observed' },
  { what: 'statements 28-34 (stats buffer contents)', why: 'the stats payload is not traced; QEMU keeps only known tags (virtio_balloon_receive_stats)' },
  { what: 'statement 60 (no use of a reported page before its acknowledgement)', why: 'guest-side; device-uses-each-buffer checks the device acknowledges every report' },
];
