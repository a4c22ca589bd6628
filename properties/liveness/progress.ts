import type { Property } from '../property.ts';

/**
 * Progress: on a fair drain every request is acknowledged and consumed, and the system comes to
 * rest within a bound proportional to memory: no deadlock between an inflate and an OOM deflate
 * (Linux 2017), no spinning (Xen's cancelled balloon loop, 2021), no device that stops serving.
 */
export const progress: Property = {
  name: 'progress',
  kind: 'eventually',
  doc: 'a fair drain comes to rest within its bound with every inflate and deflate acknowledged and consumed',
  refs: 'docs/INVARIANTS.md liveness: progress',
  monitor: () => ({
    end({ obs, quiescent, drainRounds, drainBound }) {
      for (let i = 0; i < obs.guests.length; i++) {
        const stuck = obs.guests[i].inflight.filter((b) => b.queue !== 'stats');
        if (stuck.length > 0) {
          const b = stuck[0];
          return { message: `after ${drainRounds} fair drain rounds guest ${i} still has ${stuck.length} buffer(s) in flight: ${b.queue} buffer ${b.id} of ${b.gpfns.length} gpfns is ${b.acked ? 'acknowledged but never consumed by the driver' : 'never processed by the device'}`, guest: i };
        }
      }
      if (!quiescent) return { message: `the system was still busy after ${drainBound} fair drain rounds: something loops instead of coming to rest` };
      return null;
    },
  }),
};
