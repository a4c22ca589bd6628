/**
 * The rules of the VMware charts as named data: every guard is "all rules of its list hold", so
 * when a chart refuses an event the first broken rule says why. Sources: Linux
 * drivers/misc/vmw_balloon.c (vmballoon_work, vmballoon_reset, vmballoon_pop,
 * vmballoon_send_start, vmballoon_inflate, vmballoon_deflate, vmballoon_lock,
 * vmballoon_vmci_init, vmballoon_migratepage) and the statuses it expects of the host.
 */
import type { VmwEvent } from './events.ts';

/** The driver chart's context: what vmballoon holds. */
export interface VmwDriverContext {
  size: number;
  /** What the host's answers say the size is: pages it locked less pages it unlocked, since the last pop. */
  accounted: number;
  doorbell: boolean;
  /** Capabilities granted at the last START. */
  batched: boolean;
  large: boolean;
  batchPages: number;
  maxRefused: number;
}

/** The host chart's context. */
export interface VmwHostContext { locked: number; doorbell: boolean }

export interface Rule<C> { says: string; holds(c: C, e: VmwEvent): boolean }
type Ev<T extends VmwEvent['type']> = Extract<VmwEvent, { type: T }>;
const pages = (e: VmwEvent) => e as Ev<'PAGES'>;
const start = (e: VmwEvent) => e as Ev<'START'>;

export const DRIVER_RULES = {
  startedLarge: [
    { says: 'START answered with success', holds: (_c, e) => start(e).ok },
    { says: 'the balloon was dropped before START (vmballoon_reset pops it first)', holds: (c) => c.accounted === 0 },
    { says: '2 MiB pages only when both BATCHED_CMDS and BATCHED_2M_CMDS are granted (vmballoon_send_start)', holds: (_c, e) => !!start(e).caps?.batched && !!start(e).caps?.large },
  ],
  startedSmall: [
    { says: 'START answered with success', holds: (_c, e) => start(e).ok },
    { says: 'the balloon was dropped before START (vmballoon_reset pops it first)', holds: (c) => c.accounted === 0 },
    { says: '4 KiB pages only, without both batched capabilities (vmballoon_send_start)', holds: (_c, e) => !(start(e).caps?.batched && start(e).caps?.large) },
  ],
  startFailed: [
    { says: 'a failed START leaves the reset due, to be tried on the next run (vmballoon_reset: goto unlock)', holds: (_c, e) => !start(e).ok },
  ],
  doorbellDropped: [
    { says: 'the doorbell\'s unset, answered RESET: the doorbell is dropped whatever the answer (vmballoon_vmci_cleanup)', holds: (_c, e) => (e as Ev<'REPLY_RESET'>).cmd === 'doorbell-set' },
  ],
  pagesWellFormed: [
    { says: 'batched commands only when BATCHED_CMDS was granted', holds: (c, e) => !pages(e).batched || c.batched },
    { says: '2 MiB commands only when 2 MiB pages are in use (both batched capabilities)', holds: (c, e) => !pages(e).large || c.large },
    { says: 'a non-batched command carries one page number that fits in 32 bits ("fix inflation of 64-bit GFNs")', holds: (_c, e) => pages(e).batched || (pages(e).entries === 1 && !pages(e).over32) },
    { says: 'at most a page of entries', holds: (c, e) => pages(e).entries <= (pages(e).batched ? c.batchPages : 1) },
  ],
  sizeAccounted: [
    { says: 'size moves only by the pages the host locked or unlocked (vmballoon_inflate / vmballoon_deflate; a failed LOCK in migration shrinks it by the page unlocked)', holds: (c, e) => (e as Ev<'SIZE'>).size === c.accounted },
  ],
  roundClean: [
    { says: 'refused pages are given back to the guest at the end of the round (vmballoon_release_refused_pages)', holds: (_c, e) => (e as Ev<'WORK'>).inflating === 0 },
    { says: 'a round holds fewer than VMW_BALLOON_MAX_REFUSED + a page of entries refused pages', holds: (c, e) => (e as Ev<'WORK'>).peakRefused <= c.maxRefused - 1 + c.batchPages },
  ],
} satisfies Record<string, readonly Rule<VmwDriverContext>[]>;

export const HOST_RULES = {
  hostileRefused: [
    { says: 'a hostile command locks or unlocks nothing (docs/INVARIANTS.md invariant 7)', holds: (_c, e) => pages(e).origin === 'hostile' && pages(e).done === 0 },
  ],
  driverPages: [
    { says: 'the driver\'s (or compaction\'s) command, judged entry by entry', holds: (_c, e) => pages(e).origin !== 'hostile' },
    { says: 'the host never does more entries than it was sent', holds: (_c, e) => pages(e).done <= pages(e).entries },
    { says: 'an UNLOCK frees no more than the host holds locked', holds: (c, e) => pages(e).lock || pages(e).done * pages(e).pageGpfns <= c.locked },
  ],
  nothingDone: [
    { says: 'without a session (never started, or forgotten) the host answers RESET and does nothing', holds: (_c, e) => pages(e).done === 0 },
  ],
  startGranted: [
    { says: 'START opens a session with what the host grants', holds: (_c, e) => start(e).ok },
  ],
} satisfies Record<string, readonly Rule<VmwHostContext>[]>;

export function allHold<C>(rules: readonly Rule<C>[], c: C, e: VmwEvent): boolean {
  return rules.every((r) => r.holds(c, e));
}

/** The first rule of `rules` that does not hold, in words; null when all hold. */
export function brokenRule<C>(rules: readonly Rule<C>[], c: C, e: VmwEvent): string | null {
  return rules.find((r) => !r.holds(c, e))?.says ?? null;
}
