// A QEMU case record, projected onto the virtio-balloon statechart (model/virtio): the chart the
// reference implementation is checked against in lockstep, stepped here with xstate's pure
// `transition`, so the real device and driver answer to the same rules (issue 7).
//
// The chart is fed what QEMU's own trace of the device shows (qemu/hostlog.ts), in the order it
// shows it, and nothing else (spec review B4: an earlier version fed Linux-shaped batches derived
// from the polled `actual`, so what it checked could not fail by construction). Units: the chart
// counts 4 KiB pages, as the device's `num_pages` and `actual` do (VIRTIO_BALLOON_PFN_SHIFT 12).
// - `virtio_balloon_to_target` (the host set num_pages; QEMU notifies a config change): TARGET_SET.
// - an inflate or deflate buffer (`virtqueue_pop`, its pfns, `virtqueue_flush`): the buffer the
//   driver queued, of that many pfns, processed by the device (pfns QEMU traced as bad refused),
//   its acknowledgement consumed at once and, for a deflate, its pages back with the guest
//   (Linux tell_host waits for the used buffer, then leak_balloon releases the pages). A deflate
//   the chart refuses from the driver is fed as an OOM deflate when DEFLATE_ON_OOM was negotiated.
// - a stats buffer popped: the one the driver has posted, or a new one it posted (then the chart
//   judges "at most one outstanding"); a stats buffer used: processed, and consumed at once.
// - `virtio_balloon_set_config` (every config write): ACTUAL_WRITTEN with the value written.
// - a status write of 0 (device reset): RESET. rmmod's own deflates and its `actual` 0 write
//   come just before that reset (Linux remove_common); the chart's RESET returns every page at
//   once, so those events of a successful unload step are not fed (the host-trace properties
//   check them as observed: deflates-only-acked-inflates, actual-matches-device).
//
// The chart is held to the `spec` profile (docs/virtio-spec.md): the VIRTIO 1.2 text alone. Two
// of the `linux` profile's narrowings are false of real Linux as the trace shows it (balloon page
// migration without a config change, FINDINGS 24 and spec review A1; an OOM deflate whose failed
// allocation the trace cannot show), and the Linux narrowings the trace can show are host-trace
// properties of their own (linux-batch-size, actual-matches-device, deflates-only-when-asked).
//
// What it cannot see, so does not feed (device-properties.ts `qemuUnobservable`): the guest
// allocator (no allocation is fed, so "inflate only free pages" never bites); the allocation
// failure behind an OOM deflate; the moment the driver consumes an acknowledgement (taken as
// at once); free page reports (their pages are not traced; the reporting queue stays off in the
// chart); DRIVER_IDLE (the driver's decision to stop is guest-side). A record without a device
// trace (an older trace, or hostTrace off) is not run at all: checked 0.
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { formatStateValue } from '../model/state-name.ts';
import { explainRefusal, formatEvent, guestMachine, type GuestEvent, type GuestModelInput } from '../model/virtio/index.ts';
import type { DeviceEvent } from './hostlog.ts';
import type { CaseRecord } from './runner.ts';
import { balloonBits } from './variants.ts';

/** Bytes per balloon page (VIRTIO_BALLOON_PFN_SHIFT 12). */
export const PAGE_BYTES = 4096;

const INFLATE = 0;
const DEFLATE = 1;
const STATS = 2;

type Snap = SnapshotFrom<typeof guestMachine>;

/** The chart's constants for a QEMU guest of `ramBytes`: 4 KiB pages, the features QEMU offers
 * (FINDINGS 1: STATS_VQ, never MUST_TELL_HOST; DEFLATE_ON_OOM when negotiated), no floor (Linux
 * has none, FINDINGS 9), held to the spec profile (see the header). The spec bounds no batch, so
 * neither does maxBatch here; Linux's 256 is the host-trace property linux-batch-size. */
export function qemuGuestInput(ramBytes: number, deflateOnOom: boolean): GuestModelInput {
  const ramPages = ramBytes / PAGE_BYTES;
  return {
    ramPages, floorPages: 0, gpp: 1, maxBatch: ramPages,
    features: { mustTellHost: false, statsVq: true, deflateOnOom }, profile: 'spec',
  };
}

export interface ChartRefusal {
  /** Index of the step during which it was seen. */
  readonly step: number;
  readonly message: string;
}

export interface ChartRun {
  /** Observed device events the chart judged (buffers, `actual` writes, stats posts and uses, resets). */
  readonly checked: number;
  /** Chart events fed. */
  readonly events: number;
  /** Deflate buffers fed as OOM deflates (the driver's deflate was refused, DEFLATE_ON_OOM negotiated). */
  readonly oomDeflates: number;
  /** Inflate-then-deflate pairs of one page taken as balloon page migration (the chart put back to before the pair). */
  readonly migrations: number;
  /** The first refusal; the chart's state after it means nothing, so the run stops there. */
  readonly refusal: ChartRefusal | null;
  /** Where the chart ended (or refused), as `driver.idle oom.off ...`. */
  readonly state: string;
}

type Fed = { readonly ok: true; readonly s: Snap } | { readonly ok: false; readonly why: string };

/** Feeds `events` in order through the pure transition; the first one no transition takes is a refusal. */
function feed(s: Snap, events: readonly GuestEvent[]): Fed {
  let cur = s;
  for (const e of events) {
    if (guestMachine.getTransitionData(cur as never, e).length === 0) {
      const why = explainRefusal(cur.context, e) ?? 'no transition of that state takes it (VIRTIO 5.5.6 order of operations)';
      return { ok: false, why: `${formatEvent(e)} is not allowed in [${formatStateValue(cur.value)}]: ${why}` };
    }
    cur = transition(guestMachine, cur, e)[0];
  }
  return { ok: true, s: cur };
}

/** One inflate or deflate buffer as the device served it: queued, processed, acknowledgement consumed, deflated pages back. */
function served(s: Snap, queue: 'inflate' | 'deflate', origin: 'driver' | 'oom', pfns: number, bad: number): GuestEvent[] {
  const id = s.context.lastId + 1;
  return [
    { type: 'BUFFER_QUEUED', queue, id, origin, size: pfns + bad },
    { type: 'BUFFER_PROCESSED', queue, id, accepted: pfns, refused: bad },
    { type: 'ACK_CONSUMED', queue, id },
    ...(queue === 'deflate' ? [{ type: 'PAGES_REUSED', size: pfns + bad } as const] : []),
  ];
}

const statsBuffer = (s: Snap) => s.context.inflight.find((b) => b.queue === 'stats');
const balloonOf = (s: Snap): number => s.context.ballooned + s.context.inflating;
const at = (e: DeviceEvent): string => `device at ${e.t.toFixed(1)} ms`;

/**
 * Runs a record's device trace on the chart and returns the first refusal, if any.
 * @example runOnChart(record).refusal?.message
 *   // "device at 812.3 ms: deflate buffer of 256 pfns (balloon 256 pages, num_pages 512): BUFFER_QUEUED deflate ..."
 */
export function runOnChart(rec: CaseRecord): ChartRun {
  if (rec.deviceStart === undefined) return { checked: 0, events: 0, oomDeflates: 0, migrations: 0, refusal: null, state: 'not run: the record has no device trace' };
  const deflateOnOom = rec.features !== undefined ? balloonBits(rec.features).includes('deflateOnOom') : rec.deflateOnOom;
  // The case starts from a reset VM: driver loaded, balloon empty, num_pages 0, a stats buffer posted.
  let s = initialTransition(guestMachine, qemuGuestInput(rec.ramBytes, deflateOnOom))[0];
  let checked = 0;
  let events = 0;
  let oomDeflates = 0;
  let refusal: ChartRefusal | null = null as ChartRefusal | null;
  /** The device holds the stats buffer the chart has posted (popped, not yet used). */
  let statsTaken = rec.deviceStart.statsHeld;
  /** The inflate or deflate buffer popped last and not yet used. */
  let open: { q: number; pfns: number; bad: number } | null = null;
  /**
   * The driver inflate fed last, with the state before it, while no other buffer came after it:
   * a deflate of as many pages right after it is Linux's balloon page migration
   * (virtballoon_migratepage: tell_host of the new page on inflateq, then of the old one on
   * deflateq, no actual write), which 5.5.6 allows at any balloon size (statement 10, spec
   * review A1). It may come while the worker is below num_pages between its ack and its actual
   * write; the pair leaves the balloon's size alone, so the chart is put back to before it.
   * `rolledBack`: the chart is already back before the inflate, because an `actual` write that
   * counts the balloon without it came in between (see `applyAsync`); the deflate is then due.
   */
  let lastInflate: { pfns: number; before: Snap; rolledBack: boolean } | null = null;
  let migrations = 0;

  const apply = (step: number, what: string, evs: GuestEvent[]): void => {
    const r = feed(s, evs);
    if (!r.ok) { refusal = { step, message: `${what}: ${r.why}` }; return; }
    s = r.s;
    events += evs.length;
  };
  /**
   * An event that does not take balloon_lock, between a migration's inflate and its deflate (which
   * virtballoon_migratepage sends under balloon_lock, so no other inflate or deflate comes
   * between): the stats timer (virtio_balloon_stats_timer), the host's num_pages, and the
   * worker's `actual` write (update_balloon_size runs after fill_balloon drops the lock, while
   * the migration sleeps in tell_host). It is fed to the chart and to the state a migration would
   * put back, so the rollback keeps it. An `actual` write that the chart refuses with the inflate
   * but accepts without it counts the balloon without the migration's new page: the worker's
   * count, which a migration leaves alone; the chart is put back to before the inflate at once.
   */
  const applyAsync = (step: number, what: string, evs: GuestEvent[]): void => {
    const pending = lastInflate;
    const r = feed(s, evs);
    if (r.ok) {
      s = r.s;
      events += evs.length;
      if (pending !== null && !pending.rolledBack) {
        const b = feed(pending.before, evs);
        lastInflate = b.ok ? { ...pending, before: b.s } : null;
      }
      return;
    }
    if (pending !== null && !pending.rolledBack) {
      const b = feed(pending.before, evs);
      if (b.ok) { s = b.s; events += evs.length; lastInflate = { ...pending, before: b.s, rolledBack: true }; return; }
    }
    refusal = { step, message: `${what}: ${r.why}` };
  };

  for (const st of rec.steps) {
    const device = st.device ?? [];
    // A successful rmmod: the driver's own leak and `actual` 0 before the reset (remove_common).
    const resetAt = st.step.op === 'unload' && st.rc === 0 ? device.findIndex((e) => e.k === 'status' && e.status === 0) : -1;
    for (const [i, e] of device.entries()) {
      if (refusal !== null) break;
      const removal = i < resetAt;
      switch (e.k) {
        case 'target':
          applyAsync(st.index, `${at(e)}: the host set num_pages ${e.numPages}`,
            [{ type: 'TARGET_SET', requested: e.numPages, target: Math.min(e.numPages, s.context.cfg.ramPages) }]);
          break;
        case 'pop':
          if (e.q === INFLATE || e.q === DEFLATE) {
            // A buffer popped while the last one was never used stays on its queue unprocessed
            // (device-uses-each-buffer reports QEMU for it).
            if (open !== null && !removal) {
              const queue = open.q === INFLATE ? 'inflate' : 'deflate';
              checked++;
              apply(st.index, `${at(e)}: a ${queue} buffer of ${open.pfns + open.bad} pfns the device never used`,
                [{ type: 'BUFFER_QUEUED', queue, id: s.context.lastId + 1, origin: 'driver', size: open.pfns + open.bad }]);
            }
            open = { q: e.q, pfns: 0, bad: 0 };
          } else if (e.q === STATS) {
            const b = statsBuffer(s);
            if (b !== undefined && !b.acked && !statsTaken) { statsTaken = true; break; }
            checked++;
            statsTaken = true;
            applyAsync(st.index, `${at(e)}: the device took a stats buffer${b !== undefined ? ' while one was outstanding' : ''}`,
              [{ type: 'BUFFER_QUEUED', queue: 'stats', id: s.context.lastId + 1, origin: 'driver', size: 0 }]);
          }
          break;
        case 'pfns':
          if (open !== null && open.q === e.q) open.pfns += e.runs.reduce((a, r) => a + r[1], 0);
          break;
        case 'bad-pfn':
          if (open !== null) open.bad++;
          break;
        case 'used':
          if ((e.q === INFLATE || e.q === DEFLATE) && open !== null && open.q === e.q) {
            const { pfns, bad } = open;
            open = null;
            if (removal) break;
            checked++;
            const queue = e.q === INFLATE ? 'inflate' : 'deflate';
            const what = `${at(e)}: ${queue} buffer of ${pfns + bad} pfns${bad > 0 ? ` (${bad} bad)` : ''} (balloon ${balloonOf(s)} pages, num_pages ${s.context.target})`;
            const pending = lastInflate;
            if (pending?.rolledBack === true) {
              // The chart is back before a migration's inflate: this buffer must be its deflate.
              lastInflate = null;
              if (queue === 'deflate' && bad === 0 && pending.pfns === pfns) { migrations++; break; }
              refusal = { step: st.index, message: `${what}: an inflate of ${pending.pfns} pfns, which the actual write after it counted out of the balloon, is no migration: no deflate of as many pfns followed it` };
              break;
            }
            const driver = served(s, queue, 'driver', pfns, bad);
            const r = feed(s, driver);
            const swap = queue === 'deflate' && bad === 0 && lastInflate !== null && lastInflate.pfns === pfns && pfns <= s.context.cfg.gpp ? lastInflate : null;
            lastInflate = queue === 'inflate' && bad === 0 && r.ok ? { pfns, before: s, rolledBack: false } : null;
            if (r.ok) { s = r.s; events += driver.length; break; }
            if (swap !== null) { s = swap.before; migrations++; break; }
            // Not a deflate the driver may make of its own accord: with DEFLATE_ON_OOM, the OOM notifier's.
            const asOom = queue === 'deflate' && deflateOnOom ? served(s, queue, 'oom', pfns, bad) : [];
            const oom = asOom.length > 0 ? feed(s, asOom) : null;
            if (oom?.ok) { s = oom.s; events += asOom.length; oomDeflates++; break; }
            refusal = { step: st.index, message: `${what}: ${r.why}${oom !== null && !oom.ok ? `; as an OOM deflate: ${oom.why}` : ''}` };
          } else if (e.q === STATS) {
            checked++;
            const b = statsBuffer(s);
            statsTaken = false;
            if (b === undefined || b.acked) { refusal = { step: st.index, message: `${at(e)}: the device used a stats buffer the driver had not made available` }; break; }
            applyAsync(st.index, `${at(e)}: the device used the stats buffer`, [
              { type: 'BUFFER_PROCESSED', queue: 'stats', id: b.id, accepted: 0, refused: 0 }, { type: 'ACK_CONSUMED', queue: 'stats', id: b.id },
            ]);
          }
          break;
        case 'actual':
          if (removal) { lastInflate = null; break; }
          checked++;
          applyAsync(st.index, `${at(e)}: the driver wrote actual ${e.actual} (was ${e.old}; balloon ${balloonOf(s)} pages)`, [{ type: 'ACTUAL_WRITTEN', actual: e.actual }]);
          break;
        case 'status':
          if (e.status !== 0) break;
          checked++;
          open = null;
          lastInflate = null;
          statsTaken = false;
          apply(st.index, `${at(e)}: device reset (status 0)`, [{ type: 'RESET' }]);
          break;
      }
    }
    if (refusal !== null) break;
  }
  return { checked, events, oomDeflates, migrations, refusal, state: formatStateValue(s.value) };
}
