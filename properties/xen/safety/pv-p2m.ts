import { PageState } from '../../../core/index.ts';
import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * A PV guest's own p2m agrees with Xen's: a gpfn it gave back is INVALID_P2M_ENTRY in its p2m
 * (Linux balloon.c decrease_reservation resets the mapping before the hypercall), and a populated
 * one names the frame Xen put there (increase_reservation updates it). A stale entry lets the
 * guest map a frame Xen has given to someone else.
 */
export const xenPvP2mAgrees: XenProperty = {
  name: 'xen-pv-p2m-agrees',
  kind: 'always',
  doc: 'a PV guest (and only a PV guest) keeps its own p2m, naming exactly the frames Xen maps for it (invalid for given-back gpfns)',
  refs: 'Linux drivers/xen/balloon.c decrease_reservation, increase_reservation (xenmem_reservation_va_mapping_reset/update); arch/x86/xen/p2m.c __set_phys_to_machine',
  monitor: (config) => stateless({
    audit(obs) {
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        const own = g.xen.guestP2m;
        // core/xen/observation.ts: a PV guest keeps its own p2m (arch/x86/xen/p2m.c), an HVM guest none.
        if ((own !== null) !== (config.guests[i].mode === 'pv')) return { message: `guest ${i} is ${config.guests[i].mode.toUpperCase()} but ${own ? 'reports' : 'does not report'} a p2m of its own`, guest: i };
        if (!own) continue;
        for (let n = 0; n < own.length; n++) {
          if (g.pageState[n] === PageState.Inflating || own[n] === g.p2m[n]) continue;
          return { message: `guest ${i}'s own p2m maps gpfn ${n} to frame ${own[n]}, Xen's maps it to ${g.p2m[n] < 0 ? 'nothing' : `frame ${g.p2m[n]}`}`, guest: i, gpfn: n };
        }
      }
      return null;
    },
  }),
};
