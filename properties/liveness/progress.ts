import { stateless, type Property } from '../property.ts';

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
  monitor: (_config, world) => stateless({
    end({ obs, quiescent, drainRounds, drainBound }) {
      for (let i = 0; i < obs.guests.length; i++) {
        const stuck = world.pending(obs, i);
        if (stuck !== null) return { message: `after ${drainRounds} fair drain rounds guest ${i} still has a request in flight: ${stuck}`, guest: i };
      }
      if (!quiescent) return { message: `the system was still busy after ${drainBound} fair drain rounds: something loops instead of coming to rest` };
      return null;
    },
  }),
};
