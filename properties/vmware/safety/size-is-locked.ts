import type { VmwProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The family sheet's accounting rule: the driver's `size` (4 KiB pages, a 2 MiB page counting all
 * of its) equals what the host holds locked and what the guest holds as ballooned, after every
 * step, refused entries, failed UNLOCKs and 2 MiB splits included. Only while a RESET is pending
 * (the host forgot, or the driver has not started over yet) may they differ: the driver drops its
 * balloon then (vmw_balloon.c vmballoon_change returns 0 while reset_required; vmballoon_pop).
 */
export const vmwSizeIsLocked: VmwProperty = {
  name: 'vmware-size-is-locked',
  kind: 'always',
  doc: 'size = pages the host holds locked = pages the guest holds ballooned, whenever no RESET is pending',
  refs: 'docs/families/vmware.md (size); Linux vmw_balloon.c vmballoon_inflate, vmballoon_deflate (atomic64_add/sub of b->size by pages locked or unlocked)',
  monitor: () => stateless({
    step({ command, obs }) {
      const g = obs.guests[command.guest];
      if (!g) return null;
      const { driver: d, host: h } = g.vmware;
      if (h.forgot || d.resetRequired) return null;
      if (d.size !== h.locked) return { message: `guest ${command.guest}'s balloon size is ${d.size} pages, but the host holds ${h.locked} locked`, guest: command.guest };
      if (g.counts.ballooned !== d.size) return { message: `guest ${command.guest}'s balloon size is ${d.size} pages, but it holds ${g.counts.ballooned} gpfns as ballooned`, guest: command.guest };
      return null;
    },
  }),
};
