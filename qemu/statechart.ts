// A QEMU case record, projected onto the virtio-balloon statechart (model/virtio): the chart the
// reference implementation is checked against in lockstep, stepped here with xstate's pure
// `transition`, so the real device and driver answer to the same rules (issue 7).
//
// What the projection sees, and how it becomes chart events (units: the chart counts 4 KiB pages
// of balloon; QEMU reports bytes of VM size, so balloon pages = (RAM - actual) / 4096, and a QMP
// target of T bytes is num_pages = (RAM - min(T, RAM)) / 4096, FINDINGS 2 and 4):
// - a `balloon` QMP call that QEMU accepted: TARGET_SET (QEMU notifies a config change each time).
//   Targets set since the last observation are pending; the projection may apply any prefix of
//   them before the batches that reach the observation and the rest after (FINDINGS 8: the path
//   may still head for an earlier target), all of them by the end of the observation.
// - a change of the polled `actual` by N pages: ceil(N/256) whole batches, each queue, device
//   processing (every gpfn accepted), ack consumed, deflated pages back to the allocator, `actual`
//   written (Linux fill/leak_balloon: at most VIRTIO_BALLOON_ARRAY_PFNS_MAX = 256 pfns, then
//   update_balloon_size). A fall of the balloon is fed as a driver deflate; where the chart
//   refuses that (the balloon would drop below the target) and the record gives evidence of
//   memory pressure, as an OOM deflate: the guest is out of memory (a witness allocation of
//   every page the chart counts free, ALLOC_FAILED, freed again after), the notifier deflates.
// - `actual` equal to the target: DRIVER_IDLE (Linux stops re-queueing its work when
//   towards_target() is 0), so a later move without a new target is the driver's own.
// - rmmod virtio_balloon that succeeded: RESET; the chart stays in driver.resetting until insmod
//   succeeds (ACTUAL_WRITTEN 0, the reloaded driver), so any move of `actual` in between is one
//   the chart refuses. The observed `actual` = RAM right after rmmod is accepted as the empty
//   balloon RESET leaves (Linux writes actual 0 itself before resetting the device).
// - vmstat balloon_inflate/balloon_deflate between two stable snapshots: inflation and deflation
//   that the polled `actual` never showed (the path went there and back between two polls) is
//   fed as a hidden there-and-back of that many pages, tried at each observation in between.
//
// What it cannot see: individual batches, their order against a target change inside one poll
// interval, the stats queue (posted, never served: QEMU polls stats only when asked), the guest
// allocator (the chart counts every page not in the balloon as free, so "only free pages are
// inflated" never bites), whether an allocation really failed (granted only on evidence: a guest
// workload ran, or the target in effect is one the guest cannot reach, walk.ts `pressure` and
// `squeezed`), out-of-puff (a stall is simply no event), and how pages moved during rmmod.
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { formatStateValue } from '../model/state-name.ts';
import {
  explainRefusal, formatEvent, guestMachine, wanted,
  type GuestEvent, type GuestModelContext, type GuestModelInput,
} from '../model/virtio/index.ts';
import type { CaseRecord } from './runner.ts';
import { MiB } from './steps.ts';
import { walk } from './walk.ts';

/** Bytes per balloon page (VIRTIO_BALLOON_PFN_SHIFT 12) and pfns per Linux batch. */
export const PAGE_BYTES = 4096;
export const LINUX_BATCH = 256;

type Snap = SnapshotFrom<typeof guestMachine>;

/** The chart's constants for a QEMU guest of `ramBytes`: 4 KiB pages, batches of 256, the features
 * QEMU offers (FINDINGS 1: STATS_VQ, never MUST_TELL_HOST; DEFLATE_ON_OOM when asked). No floor:
 * Linux has none, it runs out of puff instead (FINDINGS 9). The profile is linux: the guest runs Linux. */
export function qemuGuestInput(ramBytes: number, deflateOnOom: boolean): GuestModelInput {
  return {
    ramPages: ramBytes / PAGE_BYTES, floorPages: 0, gpp: 1, maxBatch: LINUX_BATCH,
    features: { mustTellHost: false, statsVq: true, deflateOnOom }, profile: 'linux',
  };
}

export interface ChartRefusal {
  /** Index of the step during which it was seen. */
  readonly step: number;
  readonly message: string;
}

export interface ChartRun {
  /** Observations of `actual` (and step events) the chart was asked to accept. */
  readonly checked: number;
  readonly events: number;
  /** OOM deflates the projection fed (each on evidence of memory pressure). */
  readonly oomDeflates: number;
  /** The first refusal; the chart's state after it means nothing, so the run stops there. */
  readonly refusal: ChartRefusal | null;
  /** Where the chart ended (or refused), as `driver.idle oom.off ...`. */
  readonly state: string;
}

/** What one observation asks of the chart. */
interface Observation {
  readonly targets: readonly number[];
  readonly pages: number;
  /** The record gives evidence that the guest may have been out of memory in this interval. */
  readonly pressure: boolean;
}

/** The chart's reply to a sequence of events: the state after them, or why one was refused. */
/** Events fed so far, and how many of them were OOM deflates (the report counts them). */
interface Tally { readonly events: number; readonly oom: number }
type Fed = { readonly ok: true; readonly s: Snap; readonly n: Tally } | { readonly ok: false; readonly why: string };

const balloon = (c: GuestModelContext): number => c.ballooned + c.inflating + c.deflating;
const driverState = (s: Snap): string => (s.value as { driver: string }).driver;

/** Feeds `events` in order through the pure transition; the first one no transition takes is a refusal. */
function feed(s: Snap, events: readonly GuestEvent[], n: Tally): Fed {
  let cur = s;
  for (const e of events) {
    if (guestMachine.getTransitionData(cur as never, e).length === 0) {
      const why = explainRefusal(cur.context, e) ?? 'no transition of that state takes it (VIRTIO 5.5.6 order of operations)';
      return { ok: false, why: `${formatEvent(e)} is not allowed in [${formatStateValue(cur.value)}]: ${why}` };
    }
    cur = transition(guestMachine, cur, e)[0];
  }
  return { ok: true, s: cur, n: { events: n.events + events.length, oom: n.oom + events.filter((e) => e.type === 'ALLOC_FAILED').length } };
}

/** One whole batch as Linux does it: queue, device accepts all, ack consumed, actual written. */
function batch(c: GuestModelContext, queue: 'inflate' | 'deflate', origin: 'driver' | 'oom', size: number): GuestEvent[] {
  const id = c.lastId + 1;
  const after = c.ballooned + (queue === 'inflate' ? size : -size);
  const core: GuestEvent[] = [
    { type: 'BUFFER_QUEUED', queue, id, origin, size },
    ...(origin === 'oom' ? [{ type: 'STEP_DONE' } as const] : []),
    { type: 'BUFFER_PROCESSED', queue, id, accepted: size, refused: 0 },
    { type: 'ACK_CONSUMED', queue, id },
    ...(queue === 'deflate' ? [{ type: 'PAGES_REUSED', size } as const] : []),
    { type: 'ACTUAL_WRITTEN', actual: after },
  ];
  if (origin === 'driver') return core;
  // The OOM path: every page the chart counts free is taken, an allocation fails, the notifier
  // deflates (5.5.6 DEFLATE_ON_OOM); the witness allocation is given back after.
  const free = c.free;
  return [
    ...(free > 0 ? [{ type: 'PAGES_ALLOCATED', size: free } as const] : []),
    { type: 'ALLOC_FAILED', pages: 1 },
    ...core,
    ...(free > 0 ? [{ type: 'PAGES_FREED', size: free } as const] : []),
  ];
}

/** Batches that take the chart's balloon to `pages`. */
function moveTo(s: Snap, pages: number, pressure: boolean, n: Tally): Fed {
  let cur = s;
  let count = n;
  // RESET empties the balloon at once; rmmod's own deflate and actual = 0 are that (FINDINGS 16).
  if (driverState(cur) === 'resetting' && pages === 0 && balloon(cur.context) === 0) return { ok: true, s: cur, n: count };
  for (let b = balloon(cur.context); b !== pages; b = balloon(cur.context)) {
    const size = Math.min(LINUX_BATCH, Math.abs(pages - b));
    let r = feed(cur, batch(cur.context, pages > b ? 'inflate' : 'deflate', 'driver', size), count);
    if (!r.ok && pages < b && pressure) {
      const oom = feed(cur, batch(cur.context, 'deflate', 'oom', size), count);
      r = oom.ok ? oom : { ok: false, why: `${r.why}; as an OOM deflate: ${oom.why}` };
    }
    if (!r.ok) return r;
    cur = r.s;
    count = r.n;
  }
  return { ok: true, s: cur, n: count };
}

const targetSet = (num: number): GuestEvent => ({ type: 'TARGET_SET', requested: num, target: num });

/**
 * One observation: the balloon goes through `stops` (the observed size, or a hidden turning point
 * and then it), with the pending targets split around the legs in every way (latest split first),
 * the rest applied at the end; then idle if at the wanted size. The first order the chart takes wins.
 */
function observe(s: Snap, o: Observation, n: Tally, via?: number): Fed {
  return legs(s, o.targets, via === undefined ? [o.pages] : [via, o.pages], o.pressure, n);
}

function legs(s: Snap, targets: readonly number[], stops: readonly number[], pressure: boolean, n: Tally): Fed {
  if (stops.length === 0) return finish(s, targets, n);
  let first: Fed | null = null;
  for (let k = targets.length; k >= 0; k--) {
    const before = feed(s, targets.slice(0, k).map(targetSet), n);
    const moved = before.ok ? moveTo(before.s, stops[0]!, pressure, before.n) : before;
    const r = moved.ok ? legs(moved.s, targets.slice(k), stops.slice(1), pressure, moved.n) : moved;
    if (r.ok) return r;
    first ??= r;
  }
  return first as Fed;
}

/** The targets left over, then DRIVER_IDLE if the balloon is at the wanted size. */
function finish(s: Snap, targets: readonly number[], n: Tally): Fed {
  const r = feed(s, targets.map(targetSet), n);
  if (!r.ok) return r;
  const c = r.s.context;
  const atGoal = driverState(r.s) === 'idle' && c.wantsWork && c.ballooned === wanted(c);
  return atGoal ? feed(r.s, [{ type: 'DRIVER_IDLE' }], r.n) : r;
}

/**
 * The interval replayed with a hidden there-and-back of `pages` folded into one observation: its
 * path overshoots both ends by `pages` (inflates past, or deflates past, then turns), so the
 * counters' volume matches. Tried at each observation, latest first; the first the chart takes wins.
 */
function hiddenChurn(interval: readonly { before: Snap; n: Tally; o: Observation }[], pages: number): Fed {
  let first: Fed | null = null;
  for (let at = interval.length - 1; at >= 0; at--) {
    const { before, n, o } = interval[at]!;
    const b = balloon(before.context);
    for (const via of [Math.max(b, o.pages) + pages, Math.min(b, o.pages) - pages]) {
      if (via < 0 || via > before.context.cfg.ramPages) continue;
      let r = observe(before, o, n, via);
      for (const rest of interval.slice(at + 1)) r = r.ok ? observe(r.s, rest.o, r.n) : r;
      if (r.ok) return r;
      first ??= r;
    }
  }
  return first ?? { ok: false, why: 'no turning point fits within the balloon' };
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(bytes % MiB === 0 ? 0 : 2)} MiB`;

/**
 * Runs a record on the chart and returns the first refusal, if any.
 * @example runOnChart(record).refusal?.message
 *   // "actual 256 MiB -> 300 MiB (balloon 65536 -> 54272 pages, target 65536): BUFFER_QUEUED deflate ..."
 */
export function runOnChart(rec: CaseRecord): ChartRun {
  const ram = rec.ramBytes;
  const toPages = (bytes: number): number => (ram - bytes) / PAGE_BYTES;
  let s = initialTransition(guestMachine, qemuGuestInput(ram, rec.deflateOnOom))[0];
  let n: Tally = { events: 0, oom: 0 };
  let checked = 0;
  let refusal: ChartRefusal | null = null;
  let pending: number[] = [];
  // Since the last stable snapshot: its counters, the observations and the chart before each.
  let anchor: { inflate: number; deflate: number } | null = rec.startCounters ?? null;
  let interval: { before: Snap; n: Tally; o: Observation }[] = [];
  let up = 0;
  let down = 0;
  let prevPages = toPages(rec.startActual);

  const refuse = (step: number, what: string, r: Fed): void => {
    if (!r.ok) refusal = { step, message: `${what}: ${r.why}` };
  };
  const apply = (step: number, what: string, events: GuestEvent[]): void => {
    const r = feed(s, [...pending.map(targetSet), ...events], n);
    pending = [];
    if (r.ok) ({ s, n } = r);
    else refuse(step, what, r);
  };

  // The case starts from a reset VM: the balloon is empty and the driver idle at target 0.
  { const r = observe(s, { targets: [], pages: prevPages, pressure: false }, n); if (r.ok) ({ s, n } = r); else refuse(0, `start at ${mib(rec.startActual)}`, r); }

  walk(rec, {
    step(st) {
      if (refusal !== null) return;
      const ok = st.rc === 0;
      if (st.step.op === 'target' && st.qmpError === undefined) pending.push(toPages(st.targetAfter));
      if (st.step.op === 'unload' && ok) {
        checked++;
        apply(st.index, 'rmmod virtio_balloon', [{ type: 'RESET' }]);
        anchor = null; interval = []; up = 0; down = 0;
      }
      if (st.step.op === 'load' && ok) {
        checked++;
        // The reloaded driver posts a fresh stats buffer at probe, then writes actual 0.
        apply(st.index, 'insmod virtio_balloon', [{ type: 'BUFFER_QUEUED', queue: 'stats', id: s.context.lastId + 1, origin: 'driver', size: 0 }, { type: 'ACTUAL_WRITTEN', actual: 0 }]);
      }
    },
    moment(m) {
      if (refusal !== null) return;
      checked++;
      const pages = toPages(m.next);
      const what = `actual ${mib(m.prev)} -> ${mib(m.next)} (balloon ${toPages(m.prev)} -> ${pages} pages, target ${pending.at(-1) ?? s.context.target} pages)`;
      if (!Number.isInteger(pages) || pages < 0) { refusal = { step: m.step.index, message: `${what}: not a whole number of balloon pages within RAM` }; return; }
      const o: Observation = { targets: pending, pages, pressure: m.pressure || m.squeezed };
      pending = [];
      interval.push({ before: s, n, o });
      const r = observe(s, o, n);
      if (!r.ok) return refuse(m.step.index, what, r);
      ({ s, n } = r);
      up += Math.max(0, pages - prevPages);
      down += Math.max(0, prevPages - pages);
      prevPages = pages;
      const snap = m.snapshot;
      if (snap === undefined || !snap.stable) return;
      // Counters past what the polled path shows: a there-and-back between two polls.
      const hidden = anchor === null ? 0 : Math.min(snap.balloonInflate - anchor.inflate - up, snap.balloonDeflate - anchor.deflate - down);
      if (hidden > 0) {
        const r2 = hiddenChurn(interval, hidden);
        if (!r2.ok) return refuse(m.step.index, `${what}, and vmstat counted ${hidden} pages inflated and deflated again that actual never showed`, r2);
        ({ s, n } = r2);
      }
      anchor = { inflate: snap.balloonInflate, deflate: snap.balloonDeflate };
      interval = []; up = 0; down = 0;
    },
  });
  return { checked, events: n.events, oomDeflates: n.oom, refusal, state: formatStateValue(s.value) };
}
