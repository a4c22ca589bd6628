import { PageState } from '../../core/index.ts';
import { stateless, type Property } from '../property.ts';
import { at, inBalloon, stateOf } from '../words.ts';

/**
 * Invariant 3: the guest never reads or writes a gpfn from the moment it goes on an inflate
 * request until its deflate is acknowledged (VIRTIO 5.5.6.1: with MUST_TELL_HOST the driver must
 * not reuse a page before the device acknowledged its deflate). On KVM hosts a touch of a
 * ballooned gpfn silently gets a fresh frame, so this is the guest's obligation, checked here.
 */
export const balloonPagesUntouched: Property = {
  name: 'balloon-pages-untouched',
  kind: 'always',
  doc: 'the guest never touches a gpfn that is in the balloon or on its way in or out of it, or in a free page report',
  refs: 'docs/INVARIANTS.md invariant 3; VIRTIO 5.5.6.1; VIRTIO 1.2 5.5.6.7.1 statement 60',
  monitor: (_config, world) => stateless({
    interests: ['wrote', 'read', 'pages-allocated'],
    step({ result, obs }) {
      for (const e of result.effects) {
        if (e.kind !== 'wrote' && e.kind !== 'read' && e.kind !== 'pages-allocated') continue;
        const g = obs.guests[e.guest];
        const list = e.kind === 'pages-allocated' ? e.gpfns : [e.gpfn];
        const verb = e.kind === 'wrote' ? 'wrote' : e.kind === 'read' ? 'read' : 'allocated';
        for (const n of list) {
          // A page reported free is out of use until the report is acknowledged (virtio free page
          // reporting, VIRTIO 1.2 5.5.6.7.1 statement 60).
          if (inBalloon(g.pageState[n]) || g.pageState[n] === PageState.Hole || g.pageState[n] === PageState.Reported) {
            return { message: `the guest ${verb} ${at(e.guest, n)}, which is ${stateOf(obs, e.guest, n)}`, guest: e.guest, gpfn: n };
          }
          if (g.hostBallooned[n] && world.reuseWaitsForHost(obs, e.guest)) {
            return { message: `the guest ${verb} ${at(e.guest, n)} while the host still holds it in the balloon (MUST_TELL_HOST: wait for the deflate acknowledgement)`, guest: e.guest, gpfn: n };
          }
        }
      }
      return null;
    },
  }),
};
