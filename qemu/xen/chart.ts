// A real-Xen case record projected onto the Xen family's balloon-thread chart (model/xen,
// `xen-thread`), stepped with xstate's pure `transition`: the real Linux driver answers to the
// rules the reference implementation is checked against in lockstep.
//
// One chart per domain, started from what the reset read (a domain of `current + low + high`
// pages, `low + high` of them ballooned, the thread DONE). Units: 4 KiB pages (XEN_PAGE_SIZE);
// sysfs gives KiB. What the projection feeds, and from what evidence:
// - a target the toolstack set (xl mem-set rc 0, or a direct write): TARGET_SET with the value
//   written and the value the domain then shows (watch_target / balloon_set_new_target);
// - each change of current_kb seen while polling: whole passes as balloon_thread makes them, each
//   a HYPERCALL of min(credit, one batch of 512, ...) pages, CURRENT, (POPULATED) and PASS with the
//   outcome update_schedule gives; a TICK first when the thread sleeps on an EAGAIN delay;
// - a balloon-down step smaller than the chart's (fewer pages than one batch and the credit) is
//   the driver running out of free pages: granted only on evidence (dom0's MemFree under
//   PRESSURE_KIB at the end of the step, or the wait stalled), as a witness allocation of the
//   chart's spare pages around it;
// - a wait that stalled short of the target: one more pass that does nothing (EAGAIN).
// What it cannot see: the passes between two polls one by one (only their sum), the delay and
// retry count of each (the chart computes them), the free pages (the chart counts every page the
// domain holds as spare unless there is evidence of pressure), and a partial populate's cause.
import { transition, type SnapshotFrom } from 'xstate';
import { formatStateValue } from '../../model/state-name.ts';
import {
  brokenRule, credit, decreaseSize, formatXenEvent, initialThreadContext, passOutcome, THREAD_RULES, xenThreadMachine,
  type XenEvent, type XenThreadContext,
} from '../../model/xen/index.ts';
import type { BalloonStat, XenSnapshot } from './observe.ts';
import type { XenCaseRecord } from './runner.ts';
import { isTarget, type Domain } from './steps.ts';

type Snap = SnapshotFrom<typeof xenThreadMachine>;

/** One batch: a page of xen_pfn_t (balloon.c frame_list, 512 entries on x86-64). */
export const LINUX_BATCH = 512;
/** Read from dom0's sysfs at boot (max_retry_count, max_schedule_delay): Linux 6.1's defaults here. */
export const MAX_RETRIES = 4;
export const MAX_DELAY = 20;
/** Below this MemFree, dom0 is out of free pages for the balloon (evidence of pressure). */
export const PRESSURE_KIB = 32 * 1024;

const pages = (kib: number): number => Math.floor(kib / 4);

export interface ChartRefusal { readonly step: number; readonly dom: Domain; readonly message: string }
export interface XenChartRun {
  /** Observations (a domain's target, current and list at a snapshot) the chart was asked to match. */
  readonly checked: number;
  readonly events: number;
  /** Witness allocations fed on evidence of pressure. */
  readonly witnesses: number;
  readonly refusal: ChartRefusal | null;
}

/** The chart's starting snapshot for a domain as the reset left it. */
export function startSnapshot(st: BalloonStat): Snap {
  const ram = pages(st.currentKiB + st.lowKiB + st.highKiB);
  const ctx: XenThreadContext = {
    ...initialThreadContext({
      guest: { ramPages: ram, floorPages: 0, guestPageGpfns: 1, holeStart: 0, holePages: 0, assignedDevice: false, mode: 'pv', podPages: 0 },
      system: { family: 'xen', hostPageGpfns: 1, hostFrames: ram, reservedFrames: 0, maxExtentOrder: 9, batchGpfns: LINUX_BATCH, maxRetries: MAX_RETRIES, maxDelay: MAX_DELAY, guests: [] },
    }),
    target: pages(st.targetKiB), current: pages(st.currentKiB), list: pages(st.lowKiB + st.highKiB), free: pages(st.currentKiB), used: 0,
  };
  return xenThreadMachine.resolveState({ value: 'done', context: ctx });
}

type Fed = { ok: true; s: Snap; n: number } | { ok: false; why: string };

function feed(s: Snap, events: readonly XenEvent[]): Fed {
  let cur = s;
  for (const e of events) {
    if (xenThreadMachine.getTransitionData(cur as never, e).length === 0) {
      return { ok: false, why: `${formatXenEvent(e)} is not allowed in [${formatStateValue(cur.value)}]: ${explain(cur.context, e)}` };
    }
    cur = transition(xenThreadMachine, cur, e)[0];
  }
  return { ok: true, s: cur, n: events.length };
}

function explain(c: XenThreadContext, e: XenEvent): string {
  const names: Record<string, (keyof typeof THREAD_RULES)[]> = {
    TARGET_SET: ['targetClamped'], HYPERCALL: ['decreaseAsLinux', 'populateAsLinux'], CURRENT: ['currentAccounted'],
    POPULATED: ['populatedToAllocator'], TICK: ['timeForward'], ALLOC: ['allocFits'], FREE: ['freeFits'],
    PASS: ['passEndsDone', 'passEndsEagain', 'passEndsCancelled'],
  };
  const rules = names[e.type] ?? [];
  for (const r of rules) {
    const why = brokenRule(THREAD_RULES[r], c, e);
    if (why !== null && rules.length === 1) return why;
  }
  const first = rules[0];
  return first ? (brokenRule(THREAD_RULES[first], c, e) ?? 'no rule allows it') : 'no rule allows it';
}

/** A TICK to the thread's wake-up when it is asleep on an EAGAIN delay with the credit unchanged. */
function wake(c: XenThreadContext): XenEvent[] {
  const due = c.now >= c.wakeAt || credit(c) !== c.sleepCredit;
  return due ? [] : [{ type: 'TICK', now: c.wakeAt }];
}

function passEnd(s: Snap): XenEvent {
  const c = s.context;
  const o = passOutcome(c);
  return { type: 'PASS', ran: true, credit: c.pass ? c.pass.credit : credit(c), after: o.state, delay: o.delay, retries: o.retries, now: c.now };
}

/** Test-only: a projection with a deliberate defect, so tests can see `balloon xen` report it. */
export interface ProjectionSabotage { readonly batchOffByOne?: boolean }

/** Feeds the passes that take the chart's current to `observed`; `pressure` grants a short balloon-down. */
function moveTo(s0: Snap, observed: number, pressure: boolean, sabotage: ProjectionSabotage): Fed & { witnesses?: number } {
  let s = s0;
  let n = 0;
  let witnesses = 0;
  for (let guard = 0; s.context.current !== observed; guard++) {
    if (guard > 100_000) return { ok: false, why: 'projection did not converge' };
    const c = s.context;
    const pre = feed(s, wake(c));
    if (!pre.ok) return pre;
    s = pre.s; n += pre.n;
    const want = observed - s.context.current;
    const events: XenEvent[] = [];
    let witness = 0;
    if (want < 0) {
      const size = decreaseSize(s.context) - (sabotage.batchOffByOne ? 1 : 0);
      if (size <= 0) return { ok: false, why: `current_kb fell to ${observed * 4} but the chart has no balloon-down to make (target ${s.context.target * 4} KiB, current ${s.context.current * 4} KiB): the driver took more than the credit` };
      const asked = Math.min(size, -want);
      if (asked < size) {
        if (!pressure) return { ok: false, why: `a balloon-down of ${asked} pages where the driver takes ${size} (min(-credit, ${LINUX_BATCH}, free pages)), with no sign of memory pressure` };
        witness = s.context.free - asked;
        events.push({ type: 'ALLOC', size: witness });
      }
      events.push({ type: 'HYPERCALL', op: 'decrease', origin: 'driver', order: 0, asked, done: asked, refused: 0, preempted: false, pod: false });
      events.push({ type: 'CURRENT', actual: s.context.current - asked });
    } else {
      const cr = credit(s.context);
      if (cr <= 0 || s.context.list === 0) return { ok: false, why: `current_kb rose to ${observed * 4} but the chart has no populate to make (credit ${cr}, ${s.context.list} ballooned pages)` };
      const asked = Math.min(cr, LINUX_BATCH, s.context.list);
      const done = Math.min(asked, want);
      events.push({ type: 'HYPERCALL', op: 'populate', origin: 'driver', order: 0, asked, done, refused: 0, preempted: false, pod: false });
      events.push({ type: 'CURRENT', actual: s.context.current + done }, { type: 'POPULATED', size: done });
    }
    const f = feed(s, events);
    if (!f.ok) return f;
    const p = feed(f.s, [passEnd(f.s)]);
    if (!p.ok) return p;
    s = p.s; n += f.n + p.n;
    if (witness > 0) {
      const back = feed(s, [{ type: 'FREE', size: witness }]);
      if (!back.ok) return back;
      s = back.s; n += 1; witnesses++;
    }
  }
  return { ok: true, s, n, witnesses };
}

/** A pass that could do nothing (a stall): no free page to balloon out, or no frame from Xen. */
function idlePass(s0: Snap): Fed {
  const w = feed(s0, wake(s0.context));
  if (!w.ok) return w;
  let s = w.s;
  const c = s.context;
  const k = credit(c);
  if (k === 0) return { ok: true, s, n: w.n };
  const events: XenEvent[] = [];
  let witness = 0;
  if (k < 0) {
    witness = c.free;
    events.push({ type: 'ALLOC', size: witness });
  } else if (c.list > 0) {
    events.push({ type: 'HYPERCALL', op: 'populate', origin: 'driver', order: 0, asked: Math.min(k, LINUX_BATCH, c.list), done: 0, refused: 0, preempted: false, pod: false });
  }
  const f = feed(s, events);
  if (!f.ok) return f;
  const p = feed(f.s, [passEnd(f.s)]);
  if (!p.ok) return p;
  s = p.s;
  if (witness > 0) {
    const b = feed(s, [{ type: 'FREE', size: witness }]);
    if (!b.ok) return b;
    s = b.s;
  }
  return { ok: true, s, n: w.n + f.n + p.n + (witness > 0 ? 1 : 0) };
}

/** Runs the record's observations through one chart per domain; stops at the first refusal. */
export function checkXenChart(rec: XenCaseRecord, sabotage: ProjectionSabotage = {}): XenChartRun {
  const doms: Domain[] = rec.domu ? ['dom0', 'domu'] : ['dom0'];
  const charts = new Map<Domain, Snap>();
  for (const d of doms) charts.set(d, startSnapshot((d === 'dom0' ? rec.base.dom0 : rec.base.domu) as BalloonStat));
  let checked = 0;
  let events = 0;
  let witnesses = 0;
  const refuse = (step: number, dom: Domain, message: string): XenChartRun => ({ checked, events, witnesses, refusal: { step, dom, message } });
  for (const r of rec.steps) {
    const snap: XenSnapshot | undefined = r.snapshot;
    for (const d of doms) {
      let s = charts.get(d) as Snap;
      const st = snap === undefined ? undefined : (d === 'dom0' ? snap.dom0 : snap.domu);
      const stepHere = isTarget(r.step) && r.step.dom === d;
      if (stepHere && r.rc === 0 && st !== undefined) {
        const f = feed(s, [{ type: 'TARGET_SET', requested: r.step.mib * 256, target: pages(st.targetKiB) }]);
        if (!f.ok) return refuse(r.index, d, f.why);
        s = f.s; events += f.n;
      }
      if (st === undefined) { charts.set(d, s); continue; }
      const pressure = d === 'dom0' && (st.memFreeKiB < PRESSURE_KIB || (stepHere && r.settle?.end === 'stalled'));
      const path = stepHere && r.settle ? r.settle.path : [st.currentKiB];
      for (const kib of path) {
        const m = moveTo(s, pages(kib), pressure, sabotage);
        if (!m.ok) return refuse(r.index, d, m.why);
        s = m.s; events += m.n; witnesses += m.witnesses ?? 0;
      }
      if (stepHere && r.settle && r.settle.end !== 'reached') {
        const i = idlePass(s);
        if (!i.ok) return refuse(r.index, d, i.why);
        s = i.s; events += i.n;
      }
      charts.set(d, s);
      checked++;
      const c = s.context;
      const diffs: string[] = [];
      if (c.target !== pages(st.targetKiB)) diffs.push(`target_kb: real ${st.targetKiB}, chart ${c.target * 4}`);
      if (c.current !== pages(st.currentKiB)) diffs.push(`current_kb: real ${st.currentKiB}, chart ${c.current * 4}`);
      // The list is read apart from current_kb while a pass may be appending pages
      // (decrease_reservation appends, then counts): compared exactly only at rest.
      const atRest = st.currentKiB === st.targetKiB;
      if (atRest && c.list !== pages(st.lowKiB + st.highKiB)) diffs.push(`ballooned pages (low_kb + high_kb): real ${st.lowKiB + st.highKiB} KiB, chart ${c.list * 4} KiB`);
      if (diffs.length > 0) return refuse(r.index, d, `the real balloon and the chart disagree: ${diffs.join('; ')}`);
    }
  }
  return { checked, events, witnesses, refusal: null };
}
