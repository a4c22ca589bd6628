import { FRAME_RESERVED, touchedRanges, UNBACKED } from '../../../core/index.ts';
import type { VboxObservation } from '../../../core/virtualbox/index.ts';
import type { Violation } from '../../property.ts';
import type { VboxProperty } from '../property.ts';
import { at } from '../../words.ts';
import { stateless } from '../../property.ts';

/**
 * The shared zero page: every ballooned page is backed by it only. PGM frees a ballooned page's
 * frame and leaves the page in the BALLOONED state, reading as the one zero page
 * (pgmR3PhysChangeMemBalloonRendezvous: pgmPhysFreePage, PGM_PAGE_IS_ZERO). Here that frame is a
 * reserved frame of the host that no gpfn's p2m names: a ballooned gpfn holds no frame of its own,
 * the zero page is not handed to anyone, and so the only frame many gpfns "map" is one outside
 * the p2m, which no-double-mapping then checks for every other frame
 * (docs/families/virtualbox.md, "The shared zero page").
 */
export const vboxZeroPage: VboxProperty = {
  name: 'virtualbox-zero-page',
  kind: 'always',
  doc: 'a ballooned page holds no frame of its own (it reads as the shared zero page, a reserved frame no gpfn maps)',
  refs: 'PGMPhys.cpp pgmR3PhysChangeMemBalloonRendezvous (replace pages with ZERO pages, PGM_PAGE_STATE_BALLOONED); docs/families/virtualbox.md',
  monitor: () => stateless({
    interests: ['frame-mapped', 'balloon-applied'],
    step({ result, obs }) {
      for (const e of result.effects) {
        if (e.kind === 'frame-mapped') {
          const g = obs.guests[e.guest];
          if (e.frame === g.virtualbox.host.zeroFrame) return { message: `${at(e.guest, e.gpfn)} was mapped to frame ${e.frame}, the shared zero page`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
          if (g.hostBallooned[e.gpfn]) return { message: `${at(e.guest, e.gpfn)} got frame ${e.frame} while the host holds it as ballooned (it must read the zero page)`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
        }
      }
      return null;
    },
    audit(obs: VboxObservation): Violation | null {
      const z = obs.guests[0]?.virtualbox.host.zeroFrame ?? 0;
      if (obs.host.owner[z] !== FRAME_RESERVED) return { message: `frame ${z}, the shared zero page, is not reserved by the host`, frame: z };
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        for (const [lo, hi] of touchedRanges(g.p2m, g.hostBallooned)) for (let x = lo; x < hi; x++) {
          if (g.p2m[x] === z) return { message: `${at(i, x)} maps frame ${z}, the shared zero page, as its own`, guest: i, gpfn: x, frame: z };
          if (g.hostBallooned[x] && g.p2m[x] !== UNBACKED) return { message: `${at(i, x)} is ballooned but still maps frame ${g.p2m[x]}`, guest: i, gpfn: x, frame: g.p2m[x] };
        }
      }
      return null;
    },
  }),
};
