import { PageState, UNBACKED } from '../../../core/index.ts';
import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 3 in Xen's words: the guest touches no gpfn it gave back. Every
 * page the guest allocator owns (free or used) holds a page (a frame, or a PoD entry that a touch
 * backs); a touch of an unpopulated gpfn faults in a PV guest and, in an HVM guest without PoD,
 * is an EPT violation that crashes the domain. Each write and read must land on a backed gpfn.
 */
export const xenBalloonPagesUntouched: XenProperty = {
  name: 'xen-balloon-pages-untouched',
  kind: 'always',
  doc: 'every free or used gpfn holds a page (frame or PoD entry); no touch lands on a given-back gpfn',
  refs: 'docs/INVARIANTS.md invariant 3; Linux balloon.c increase_reservation (only populated pages go back to the allocator)',
  monitor: () => stateless({
    step({ result, obs }) {
      for (const e of result.effects) {
        if (e.kind !== 'wrote' && e.kind !== 'read' && e.kind !== 'pages-allocated') continue;
        const g = obs.guests[e.guest];
        for (const n of e.kind === 'pages-allocated' ? e.gpfns : [e.gpfn]) {
          if (g.hostBallooned[n] || g.p2m[n] === UNBACKED) return { message: `guest ${e.guest} touched gpfn ${n}, which holds no page (${g.hostBallooned[n] ? 'given back to Xen' : 'unbacked'})`, guest: e.guest, gpfn: n };
        }
      }
      return null;
    },
    audit(obs) {
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        for (let n = 0; n < g.pageState.length; n++) {
          const s = g.pageState[n];
          if (s !== PageState.Free && s !== PageState.Used) continue;
          if (g.p2m[n] === UNBACKED && !g.xen.pod[n]) return { message: `gpfn ${n} of guest ${i} is ${s === PageState.Free ? 'free' : 'used'} in the guest but holds no page in Xen`, guest: i, gpfn: n };
        }
      }
      return null;
    },
  }),
};
