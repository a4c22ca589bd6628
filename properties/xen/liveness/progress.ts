import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Progress and convergence in Xen's words: after the fair drain (the toolstack re-asserts every
 * target, time passes and each balloon thread gets the CPU until all rest), no hypercall is left
 * hanging, every thread is at rest, and each guest holds the toolstack's target as far as it can:
 * never below what it uses or its floor, never above its RAM less the pages lent to backends,
 * and off the target only when the host had no frame to populate, or when the thread gave up
 * after its retries and sleeps its hour (ECANCELED), whichever way it was going.
 */
export const xenProgress: XenProperty = {
  name: 'xen-progress',
  kind: 'eventually',
  doc: 'after the fair drain no hypercall hangs, every thread rests, and current_pages reaches the target within the guest\'s bounds',
  refs: 'docs/INVARIANTS.md liveness (progress, convergence); Linux balloon.c balloon_thread; Xen 79de2d31f1 "mm: ensure useful progress in decrease_reservation"',
  monitor: (config) => stateless({
    end({ obs, quiescent, targets, available, drainRounds }) {
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        if (g.xen.thread.inHypercall) return { message: `guest ${i}'s balloon thread still hangs in a hypercall after ${drainRounds} drain rounds`, guest: i };
      }
      if (!quiescent) return { message: `the balloon threads did not come to rest within ${drainRounds} drain rounds` };
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        const cfg = config.guests[i];
        const lo = Math.max(cfg.floorPages, g.counts.used);
        const hi = cfg.ramPages - g.xen.lent;
        const want = Math.min(Math.max(targets[i], lo), hi);
        // Short of the target is legal when the host has no frame to give. Either side of it is
        // legal when the thread gave up after its retries (ECANCELED) and sleeps its hour
        // (balloon_thread: 3600 s, woken early only by a new credit): a balloon-down cut short by
        // what the guest could spare (si_mem_available) stays short even after the guest frees
        // memory, until the hour is up or the target moves.
        if (g.actual === want || g.xen.thread.state === 'ecanceled' || (g.actual < want && available === 0)) continue;
        return { message: `guest ${i} came to rest at ${g.actual} pages; the toolstack's target ${targets[i]} within its bounds (${lo}..${hi}) is ${want}`, guest: i };
      }
      return null;
    },
  }),
};
