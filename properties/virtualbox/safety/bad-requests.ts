import type { VboxProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 7 in VirtualBox's words: a hostile ChangeMemBalloon (a count other
 * than one chunk, an unaligned address, a page that is not RAM of the guest, a deflate of pages
 * never inflated, an inflate of pages already ballooned) is answered VERR_INVALID_PARAMETER, is
 * not queued, and changes nothing: no frame moves, the ballooned count and the driver's chunks
 * stay. VMMDev checks the count (VMMDevReq_ChangeMemBalloon); PGM the pages
 * (PGMR3PhysChangeMemBalloon, pgmR3PhysChangeMemBalloonRendezvous); every page before any change.
 */
export const vboxBadRequestsChangeNothing: VboxProperty = {
  name: 'virtualbox-bad-requests-change-nothing',
  kind: 'always',
  doc: 'a hostile ChangeMemBalloon is refused with VERR_INVALID_PARAMETER and changes nothing',
  refs: 'docs/INVARIANTS.md invariant 7; VMMDev.cpp VMMDevReq_ChangeMemBalloon (cPages check); PGMPhys.cpp PGMR3PhysChangeMemBalloon, pgmR3PhysChangeMemBalloonRendezvous',
  monitor: () => stateless({
    step({ command, result, obs, before }) {
      if (command.kind !== 'hostile' || result.outcome !== 'accepted') return null;
      const g = command.guest;
      for (const e of result.effects) {
        if (e.kind === 'change-balloon' && e.origin === 'hostile') {
          if (e.rc !== 'VERR_INVALID_PARAMETER') return { message: `the host answered a hostile ${command.request} ChangeMemBalloon of guest ${g} with ${e.rc}`, guest: g };
          if (e.queued) return { message: `the host queued a hostile ${command.request} ChangeMemBalloon of guest ${g}`, guest: g };
          continue;
        }
        return { message: `a hostile ${command.request} request of guest ${g} had a ${e.kind} effect`, guest: g };
      }
      const og = obs.guests[g];
      if (og && og.virtualbox.host.ballooned !== before.hostBallooned) return { message: `a hostile ${command.request} request moved guest ${g}'s ballooned count from ${before.hostBallooned} to ${og.virtualbox.host.ballooned}`, guest: g };
      if (og && og.virtualbox.host.queue.length !== before.queued) return { message: `a hostile ${command.request} request changed guest ${g}'s queue of balloon changes`, guest: g };
      return null;
    },
  }),
};
