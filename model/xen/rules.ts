/**
 * The rules of the Xen charts as named data: every guard is "all rules of its list hold", so when
 * a chart refuses an event the first broken rule says why. Sources: Linux drivers/xen/balloon.c
 * (balloon_thread, balloon_thread_cond, update_schedule, increase_reservation,
 * decrease_reservation, reserve_additional_memory, xen_alloc_ballooned_pages,
 * xen_free_ballooned_pages) and Xen xen/common/memory.c, xen/arch/x86/mm/p2m-pod.c.
 */
import type { ThreadState } from '../../core/xen/index.ts';
import { credit, decreaseSize, due, type XenHypervisorContext, type XenThreadContext } from './context.ts';

/** Was the thread due when the pass began? The pass record keeps the credit it began with. */
const dueAtStart = (c: XenThreadContext): boolean =>
  c.pass ? c.now >= c.wakeAt || c.pass.credit !== c.sleepCredit : due(c);
import type { XenEvent } from './events.ts';

export interface Rule<C> { says: string; holds(c: C, e: XenEvent): boolean }
type Ev<T extends XenEvent['type']> = Extract<XenEvent, { type: T }>;
const hc = (e: XenEvent) => e as Ev<'HYPERCALL'>;
const size = (e: XenEvent) => (e as { size: number }).size;

/** What a finished pass leaves: the state it ends in, then update_schedule. */
export function passOutcome(c: XenThreadContext): { state: ThreadState; delay: number; retries: number; target: number } {
  const p = c.pass;
  let target = c.target;
  let state: ThreadState;
  const k = p ? p.credit : credit(c);
  if (k === 0) state = 'done';
  else if (k > 0) {
    // reserve_additional_memory without hotplug: current_pages plus the pages lent to backends
    // (target_unpopulated; Linux c673ec61ade8 "xen/balloon: fix ballooned page accounting without hotplug enabled").
    if (!p || p.op === 'none') { state = 'ecanceled'; target = c.current + c.lent; }
    else state = p.done > 0 ? 'done' : 'eagain';
  } else {
    const want = Math.min(-k, c.batch);
    state = !p || p.op === 'none' || p.asked < want ? 'eagain' : 'done';
  }
  // update_schedule
  let { delay, retries } = c;
  if (state === 'done') { delay = 1; retries = 1; }
  else if (state === 'eagain') {
    retries++;
    if (retries > c.maxRetries) { delay = 1; retries = 1; state = 'ecanceled'; }
    else delay = Math.min(delay * 2, c.maxDelay);
  }
  return { state, delay, retries, target };
}

/**
 * A pass that issued no hypercall had nothing it could do: no credit, a positive credit with an
 * empty balloon (reserve_additional_memory without hotplug), or a negative one with no page to
 * spare (decrease_reservation: one batch of the free pages, above the floor). balloon_thread calls
 * increase_reservation whenever balloon_is_inflated() and decrease_reservation whenever the credit
 * is negative, so a pass with work and no hypercall skipped it.
 */
const idleLegal = (c: XenThreadContext): boolean => {
  if (c.pass) return true;
  const k = credit(c);
  return k === 0 || (k > 0 && c.list === 0) || (k < 0 && decreaseSize(c) === 0);
};

const passEnds = (to: ThreadState): Rule<XenThreadContext>[] => [
  { says: 'a pass runs only when the thread is due: its timeout expired or the credit changed since it slept (balloon_thread_cond)', holds: (c, e) => (e as Ev<'PASS'>).ran && dueAtStart(c) },
  { says: 'a pass with work to do acts: a populate when the credit is positive and the balloon holds pages, a decrease when it is negative and the guest has pages to spare (balloon_thread)', holds: (c) => idleLegal(c) },
  { says: `the pass ends in ${to.toUpperCase()} (balloon_thread, update_schedule)`, holds: (c) => passOutcome(c).state === to },
  { says: 'the delay and retry count follow update_schedule (double to max_schedule_delay; cancel after max_retry_count)', holds: (c, e) => { const o = passOutcome(c); return (e as Ev<'PASS'>).delay === o.delay && (e as Ev<'PASS'>).retries === o.retries; } },
];

export const THREAD_RULES = {
  passEndsDone: passEnds('done'),
  passEndsEagain: passEnds('eagain'),
  passEndsCancelled: passEnds('ecanceled'),
  passEndsWait: passEnds('wait'),
  passSkipped: [
    { says: 'the thread stays asleep only when it is not due (balloon_thread_cond, timeout)', holds: (c, e) => !(e as Ev<'PASS'>).ran && !dueAtStart(c) },
  ],
  decreaseAsLinux: [
    { says: 'the driver gives pages back only when it is due and the credit is negative (balloon_thread: credit < 0)', holds: (c) => due(c) && credit(c) < 0 },
    { says: 'a balloon-down step is min(-credit, one batch, free pages) and never below the floor (decrease_reservation; the XSA-300 bound)', holds: (c, e) => hc(e).asked === decreaseSize(c) },
    { says: 'a decrease of the driver returns done whole: Xen continues a preempted one before it returns (decrease_reservation: BUG_ON(ret != nr_pages); memory.c continuations)', holds: (_c, e) => hc(e).done === hc(e).asked && !hc(e).preempted },
  ],
  populateAsLinux: [
    { says: 'the driver asks pages back only when it is due, the credit is positive and the balloon holds pages (balloon_thread, balloon_is_inflated)', holds: (c) => due(c) && credit(c) > 0 && c.list > 0 },
    { says: 'a populate asks min(credit, one batch, ballooned pages) (increase_reservation)', holds: (c, e) => hc(e).asked === Math.min(credit(c), c.batch, c.list) },
    { says: 'the hypervisor populates at most what was asked', holds: (_c, e) => hc(e).done >= 0 && hc(e).done <= hc(e).asked },
  ],
  currentAccounted: [
    { says: 'current_pages moves by exactly the extents the hypercall did (increase_reservation: += rc; decrease_reservation: -= nr_pages)', holds: (c, e) => {
      const p = c.pass;
      const a = (e as Ev<'CURRENT'>).actual;
      return !!p && p.op !== 'none' && a === c.current + (p.op === 'populate' ? p.done : -p.done);
    } },
  ],
  populatedToAllocator: [
    { says: 'only the pages populated go back to the allocator (increase_reservation: balloon_retrieve for i < rc)', holds: (c, e) => c.pass?.op === 'populate' && size(e) === c.pass.done },
  ],
  targetClamped: [
    { says: 'the target is the toolstack\'s, in whole 4 KiB pages, at most the static maximum (xen-balloon.c watch_target; xl mem-set)', holds: (c, e) => (e as Ev<'TARGET_SET'>).target === Math.min((e as Ev<'TARGET_SET'>).requested, c.ram) },
  ],
  timeForward: [
    { says: 'the virtual clock only moves forward', holds: (c, e) => (e as Ev<'TICK'>).now > c.now },
  ],
  allocFits: [{ says: 'a guest program allocates only free pages', holds: (c, e) => size(e) <= c.free }],
  freeFits: [{ says: 'a guest program frees only used pages', holds: (c, e) => size(e) <= c.used }],
  lendFits: [{ says: 'a backend borrows only ballooned pages (xen_alloc_ballooned_pages: balloon_retrieve)', holds: (c, e) => size(e) <= c.list }],
  unlendFits: [{ says: 'a backend returns only pages it borrowed (xen_free_ballooned_pages)', holds: (c, e) => size(e) <= c.lent }],
  rebuilt: [{ says: 'a rebuilt domain starts with all of its RAM (xl reboot)', holds: (c, e) => c.rebuilding && (e as Ev<'CURRENT'>).actual === c.ram }],
} satisfies Record<string, Rule<XenThreadContext>[]>;

export const HYPERVISOR_RULES = {
  hostileRefused: [
    { says: 'a hostile memory op does no extent (memory.c stops at the first bad extent; each of these is bad)', holds: (_c, e) => hc(e).origin === 'hostile' && hc(e).done === 0 },
    { says: 'and is refused with a code', holds: (_c, e) => hc(e).refused === 1 },
  ],
  driverOpWellFormed: [
    { says: 'the driver\'s op is of order 0 and not a PoD request (balloon.c frame_list; PoD is the toolstack\'s, 2a99aa99fc)', holds: (_c, e) => hc(e).origin !== 'hostile' && hc(e).order === 0 && !hc(e).pod },
    { says: 'an order above the domain\'s maximum is never done (XSA-31, XSA-158)', holds: (c, e) => hc(e).done === 0 || hc(e).order <= c.maxOrder },
    { says: 'a decrease is preempted only after useful progress, or is done whole (79de2d31f1)', holds: (_c, e) => hc(e).op !== 'decrease' || hc(e).done === hc(e).asked },
  ],
  podBalanced: [
    { says: 'PoD entries never outnumber the cache once the guest has ballooned down (p2m_pod_decrease_reservation)', holds: (c, e) => c.pod && (e as Ev<'POD'>).entries <= (e as Ev<'POD'>).cache },
  ],
  podOutstanding: [
    { says: 'PoD entries outnumber the cache only until the guest balloons down to its target', holds: (c, e) => c.pod && (e as Ev<'POD'>).entries > (e as Ev<'POD'>).cache && (e as Ev<'POD'>).entries <= c.podEntries },
  ],
} satisfies Record<string, Rule<XenHypervisorContext>[]>;

export type ThreadRuleName = keyof typeof THREAD_RULES;
export type HypervisorRuleName = keyof typeof HYPERVISOR_RULES;

export function allHold<C>(rules: readonly Rule<C>[], c: C, e: XenEvent): boolean {
  for (const r of rules) if (!r.holds(c, e)) return false;
  return true;
}

/** The first rule of `rules` that `e` breaks, for explaining a refusal. */
export function brokenRule<C>(rules: readonly Rule<C>[], c: C, e: XenEvent): string | null {
  for (const r of rules) if (!r.holds(c, e)) return r.says;
  return null;
}
