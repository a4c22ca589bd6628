/**
 * The abstract state the Xen charts keep per guest: balloon_stats and the allocator's counts as
 * numbers, the thread's schedule, the clock, and the pass in progress within one step. The charts
 * never see gpfns or frames (those are the shared invariants' business).
 */
import type { ThreadState, XenGuestConfig, XenSystemConfig } from '../../core/xen/index.ts';

export interface PassRecord {
  /** The credit when the pass began (target - current). */
  credit: number;
  op: 'decrease' | 'populate' | 'none';
  asked: number;
  done: number;
}

export interface XenThreadContext {
  ram: number; floor: number; batch: number; maxRetries: number; maxDelay: number;
  target: number; current: number;
  /** Pages on the ballooned list, lent to backends, free and used in the allocator. */
  list: number; lent: number; free: number; used: number;
  state: ThreadState; delay: number; retries: number; wakeAt: number; sleepCredit: number; now: number;
  /** What the driver did so far in the step's pass; null between passes. */
  pass: PassRecord | null;
  /** A reset happened and current_pages has not been written since. */
  rebuilding: boolean;
}

export interface XenThreadInput { guest: XenGuestConfig; system: XenSystemConfig }

export function initialThreadContext({ guest, system }: XenThreadInput): XenThreadContext {
  return {
    ram: guest.ramPages, floor: guest.floorPages, batch: system.batchGpfns, maxRetries: system.maxRetries, maxDelay: system.maxDelay,
    target: guest.podPages > 0 ? guest.podPages : guest.ramPages, current: guest.ramPages,
    list: 0, lent: 0, free: guest.ramPages, used: 0,
    state: 'done', delay: 1, retries: 1, wakeAt: 0, sleepCredit: 0, now: 0, pass: null, rebuilding: false,
  };
}

export const credit = (c: XenThreadContext): number => c.target - c.current;

/** balloon_thread_cond and the timeout: a pass is due. */
export const due = (c: XenThreadContext): boolean => c.now >= c.wakeAt || credit(c) !== c.sleepCredit;

/** The size of the balloon-down step Linux takes: the credit, one batch, the free pages, above the floor (XSA-300). */
export const decreaseSize = (c: XenThreadContext): number =>
  Math.min(-credit(c), c.batch, c.free, Math.max(0, c.current - c.floor));

export interface XenHypervisorContext {
  maxOrder: number;
  pod: boolean;
  podEntries: number;
  podCache: number;
  /** What the domain is built with: a rebuild starts from these again. */
  startEntries: number;
  startCache: number;
}

export function initialHypervisorContext({ guest, system }: XenThreadInput): XenHypervisorContext {
  const pod = guest.podPages > 0;
  const entries = pod ? guest.ramPages : 0;
  const cache = pod ? guest.podPages : 0;
  return { maxOrder: system.maxExtentOrder, pod, podEntries: entries, podCache: cache, startEntries: entries, startCache: cache };
}
