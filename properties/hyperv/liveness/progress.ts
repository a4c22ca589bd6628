import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Progress and convergence in Hyper-V's words: after the fair drain (the host re-asserts every
 * target; each round the host and the driver take turns on the channel and the host starts a
 * request toward its target) start-up has finished (or every
 * version was rejected), no transaction is open, nothing waits on the channel, and the balloon
 * the host holds is its target, short only when the guest has no page free above its floor or
 * does not balloon (a 64 KiB guest), long only when the host has no frame to give back.
 */
export const hvProgress: HvProperty = {
  name: 'hv-progress',
  kind: 'eventually',
  doc: 'after the fair drain start-up is done, no transaction is open, the channel is empty, and the balloon is at the host\'s target within the guest\'s bounds',
  refs: 'docs/INVARIANTS.md liveness (progress, convergence); Linux hv_balloon.c balloon_up, balloon_down',
  monitor: (config) => stateless({
    end({ obs, quiescent, targets, drainRounds }) {
      if (!quiescent) return { message: `the channels did not come to rest within ${drainRounds} drain rounds` };
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        const h = g.hv;
        const cfg = config.guests[i];
        if (h.phase === 'failed') continue;
        if (h.phase !== 'ready') return { message: `guest ${i} is still in start-up (${h.phase}) after the drain`, guest: i };
        if (h.host.outstanding) return { message: `guest ${i}'s host still waits on ${h.host.outstanding.type} transaction #${h.host.outstanding.trans} after the drain`, guest: i };
        if (h.toGuest.length + h.toHost.length > 0) return { message: `${h.toGuest.length + h.toHost.length} message(s) of guest ${i} still wait on the channel after the drain`, guest: i };
        if (h.unballoonTrans !== null) return { message: `guest ${i} still waits for the last part of UNBALLOON_REQUEST #${h.unballoonTrans}`, guest: i };
        const want = targets[i];
        if (g.actual === want) continue;
        if (g.actual < want && (!h.balloonCap || g.counts.free <= cfg.floorPages)) continue;
        if (g.actual > want && obs.host.freeFrames === 0) continue;
        return { message: `guest ${i} came to rest with ${g.actual} pages ballooned; the host's target is ${want} (free ${g.counts.free}, floor ${cfg.floorPages}, host free frames ${obs.host.freeFrames})`, guest: i };
      }
      return null;
    },
  }),
};
