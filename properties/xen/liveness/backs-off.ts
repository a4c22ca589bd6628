import type { ThreadState } from '../../../core/xen/index.ts';
import type { XenProperty } from '../property.ts';
import { forkable } from '../../property.ts';

/** balloon_thread's timeout per state, in seconds (EAGAIN: the schedule delay). */
const TIMEOUT: Record<ThreadState, number> = { done: 3600, ecanceled: 3600, eagain: 0, wait: 1 };

/**
 * The balloon thread backs off within its limits and does not spin: a pass runs only when the
 * thread is due (its timeout expired, or the credit changed since it went to sleep:
 * balloon_thread_cond; DONE counts as credit 0); the delay stays within max_schedule_delay and
 * doubles after each EAGAIN; the retries stay within max_retry_count (update_schedule). Judged
 * from the passes the implementation reports and the clock, not from the thread's own wakeAt.
 */
export const xenBacksOff: XenProperty = {
  name: 'xen-backs-off',
  kind: 'always',
  doc: 'a balloon pass runs only when due; the delay doubles to its cap; retries stay within the limit; no spin after a cancel',
  refs: 'Linux drivers/xen/balloon.c balloon_thread, balloon_thread_cond, update_schedule; "xen/balloon: fix cancelled balloon action" (2021)',
  // Per guest, how the last pass left the thread: the monitor's only state (forkable: a fork copies it).
  monitor: (config) => forkable({ last: new Map<number, { at: number; state: ThreadState; delay: number; sleepCredit: number; pending: boolean }>() }, ({ last }) => ({
      step({ command, result, obs }) {
        if (command.kind === 'reset' && result.outcome === 'accepted') last.delete(command.guest);
        for (const e of result.effects) {
          if (e.kind !== 'balloon-pass') continue;
          const g = obs.guests[e.guest];
          if (e.delay < 1 || e.delay > config.maxDelay) return { message: `guest ${e.guest}'s balloon thread has a delay of ${e.delay} s, outside 1..${config.maxDelay}`, guest: e.guest };
          if (e.retries < 1 || e.retries > config.maxRetries) return { message: `guest ${e.guest}'s balloon thread has retried ${e.retries} times, past the limit of ${config.maxRetries}`, guest: e.guest };
          const prev = last.get(e.guest);
          if (e.ran && prev && !prev.pending) {
            const due = e.now >= prev.at + (prev.state === 'eagain' ? prev.delay : TIMEOUT[prev.state]) || e.credit !== prev.sleepCredit;
            if (!due) return { message: `guest ${e.guest}'s balloon thread ran at ${e.now} s, ${e.now - prev.at} s after it went to sleep in ${prev.state.toUpperCase()} with the credit unchanged (${e.credit}): it spins instead of backing off`, guest: e.guest };
          }
          if (e.ran && prev && e.after === 'eagain' && prev.state === 'eagain' && !g.xen.thread.inHypercall && e.delay !== Math.min(prev.delay * 2, config.maxDelay)) {
            return { message: `guest ${e.guest}'s balloon thread retried with a delay of ${e.delay} s after ${prev.delay} s; update_schedule doubles it up to ${config.maxDelay} s`, guest: e.guest };
          }
          if (e.ran) last.set(e.guest, { at: e.now, state: e.after, delay: e.delay, sleepCredit: e.after === 'done' ? 0 : g.target - g.actual, pending: g.xen.thread.inHypercall });
        }
        return null;
      },
    })),
};
