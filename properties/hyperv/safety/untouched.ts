import { PageState, UNBACKED } from '../../../core/index.ts';
import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 3 in Hyper-V's words: the guest never touches a page it ballooned
 * until it is unballooned, and every page it has (free or in use, hot-added pages once online)
 * is backed by the host: pages of a hot-add region that the host did not back must not be
 * onlined (Linux "Drivers: hv: balloon: account for gaps in hot add regions", hv_online_page).
 */
export const hvBalloonPagesUntouched: HvProperty = {
  name: 'hv-balloon-pages-untouched',
  kind: 'always',
  doc: 'no touch lands on a ballooned or unbacked page; every page onlined, free or used is backed',
  refs: 'docs/INVARIANTS.md invariant 3; Linux hv_balloon.c hv_online_page, has_pfn_is_backed; "account for gaps in hot add regions"',
  monitor: () => stateless({
    step({ result, obs, before }) {
      for (const e of result.effects) {
        if (e.kind === 'frame-mapped' && (result.effects.some((x) => x.kind === 'wrote' || x.kind === 'read'))) {
          return { message: `guest ${e.guest} touched gpfn ${e.gpfn}, which the host had not backed`, guest: e.guest, gpfn: e.gpfn };
        }
        if (e.kind !== 'wrote' && e.kind !== 'read' && e.kind !== 'pages-allocated' && e.kind !== 'hv-onlined') continue;
        const g = obs.guests[e.guest];
        for (const n of e.kind === 'pages-allocated' || e.kind === 'hv-onlined' ? e.gpfns : [e.gpfn]) {
          if (g.hostBallooned[n] || g.p2m[n] === UNBACKED) {
            const what = e.kind === 'hv-onlined' ? 'onlined' : 'touched';
            return { message: `guest ${e.guest} ${what} gpfn ${n}, which ${g.hostBallooned[n] ? 'the host holds as ballooned' : 'the host never backed'}`, guest: e.guest, gpfn: n };
          }
        }
      }
      void before;
      return null;
    },
    audit(obs) {
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        for (let n = 0; n < g.pageState.length; n++) {
          const s = g.pageState[n];
          if ((s === PageState.Free || s === PageState.Used) && g.p2m[n] === UNBACKED) return { message: `gpfn ${n} of guest ${i} is ${s === PageState.Free ? 'free' : 'used'} in the guest but the host does not back it`, guest: i, gpfn: n };
        }
      }
      return null;
    },
  }),
};
