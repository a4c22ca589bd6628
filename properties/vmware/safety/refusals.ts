import type { VmwProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Refused pages are clamped: an inflation round holds at most VMW_BALLOON_MAX_REFUSED refused
 * pages before it takes a breather (or moves to 4 KiB pages); the check comes after a whole
 * command, so one page of entries may overshoot it by a batch less one (vmballoon_inflate checks
 * n_refused_pages after each vmballoon_lock; the limit is in the 2010 driver already, and the title
 * "vmware balloon: clamp number of collected non-balloonable pages" is not verified).
 */
export const vmwRefusalsClamped: VmwProperty = {
  name: 'vmware-refusals-clamped',
  kind: 'always',
  doc: 'an inflation round holds fewer than maxRefused + a page of entries refused pages',
  refs: 'Linux vmw_balloon.c vmballoon_inflate, VMW_BALLOON_MAX_REFUSED',
  monitor: (config) => stateless({
    step({ result }) {
      for (const e of result.effects) {
        if (e.kind !== 'work') continue;
        const bound = config.maxRefused - 1 + config.batchPages;
        if (e.peakRefused > bound) return { message: `guest ${e.guest}'s inflation round held ${e.peakRefused} refused pages, past ${bound} (maxRefused ${config.maxRefused}, a page of ${config.batchPages} entries)`, guest: e.guest };
      }
      return null;
    },
  }),
};
