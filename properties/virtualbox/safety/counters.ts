import { PageState, touchedRanges } from '../../../core/index.ts';
import type { VboxObservation } from '../../../core/virtualbox/index.ts';
import type { Violation } from '../../property.ts';
import type { VboxProperty } from '../property.ts';
import { at } from '../../words.ts';
import { stateless } from '../../property.ts';

/**
 * The family sheet's accounting rule, after every step and also while a change is queued on the
 * host's EMT: the host's ballooned count (pgm.s.cBalloonedPages, moved by each applied request's
 * pages) equals the driver's counted chunks (MemBalloon.cChunks) in pages; the guest holds exactly
 * those chunks as ballooned or deflating, and one chunk as inflating only while its inflate is in
 * flight; and (audit) the pages the host holds as ballooned are exactly the guest's ballooned and
 * deflating ones, as many as the count says. A change is counted by the guest when the host has
 * made it, never when the request merely returned (PGMR3PhysChangeMemBalloon, SMP: posted).
 */
export const vboxCountersMatch: VboxProperty = {
  name: 'virtualbox-counters-match',
  kind: 'always',
  doc: 'host ballooned pages = counted chunks × chunk pages = the guest\'s ballooned and deflating pages, even with a change queued',
  refs: 'docs/families/virtualbox.md (counters); PGMPhys.cpp pgmR3PhysChangeMemBalloonRendezvous (cBalloonedPages += cPages); VBoxGuest.cpp MemBalloon.cChunks',
  monitor: (config) => {
    const cp = config.chunkPages;
    return stateless({
      step({ command, obs }) {
        const g = obs.guests[command.guest];
        if (!g) return null;
        const { driver: d, host: h } = g.virtualbox;
        const i = command.guest;
        if (h.ballooned !== d.chunks * cp) return { message: `guest ${i}'s host counts ${h.ballooned} ballooned pages, but its driver counts ${d.chunks} chunks (${d.chunks * cp} pages)`, guest: i };
        const held = g.counts.ballooned + g.counts.deflating;
        if (held !== d.chunks * cp) return { message: `guest ${i} counts ${d.chunks} chunks (${d.chunks * cp} pages), but holds ${held} pages as ballooned or deflating`, guest: i };
        const inflating = d.inFlight === 'inflate' ? cp : 0;
        if (g.counts.inflating !== inflating) return { message: `guest ${i} holds ${g.counts.inflating} pages as inflating with ${d.inFlight === 'inflate' ? 'one inflate' : 'no inflate'} in flight`, guest: i };
        return null;
      },
      audit(obs: VboxObservation): Violation | null {
        for (let i = 0; i < obs.guests.length; i++) {
          const g = obs.guests[i];
          let n = 0;
          for (const [lo, hi] of touchedRanges(g.pageState, g.hostBallooned)) for (let x = lo; x < hi; x++) {
            const s = g.pageState[x];
            const guestHolds = s === PageState.Ballooned || s === PageState.Deflating;
            if (g.hostBallooned[x]) n++;
            if (guestHolds !== (g.hostBallooned[x] === 1)) return { message: `${at(i, x)}: the ${guestHolds ? 'guest' : 'host'} holds it in the balloon, the ${guestHolds ? 'host' : 'guest'} does not`, guest: i, gpfn: x };
          }
          if (n !== g.virtualbox.host.ballooned) return { message: `guest ${i}'s host counts ${g.virtualbox.host.ballooned} ballooned pages but holds ${n}`, guest: i };
        }
        return null;
      },
    });
  },
};
