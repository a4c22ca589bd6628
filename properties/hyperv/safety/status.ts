import { PageState } from '../../../core/index.ts';
import { inHotAdd } from '../../../core/hyperv/index.ts';
import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * A STATUS_REPORT tells the host the truth: `committed` is the pages in use, plus the ballooned
 * pages, plus the floor, plus the pages added but not online (post_status, or
 * get_pages_committed in later versions; a December 2022 patch, merge not verified, adds the last
 * three terms only once anything was ballooned or added),
 * and `free` the free pages, counted from the guest's pages, not from the driver's counters.
 */
export const hvStatusCommitted: HvProperty = {
  name: 'hv-status-committed',
  kind: 'always',
  doc: 'a status report\'s committed = used + ballooned + floor + (added - online), and free = free pages',
  refs: 'Linux hv_balloon.c post_status, get_pages_committed, compute_balloon_floor',
  monitor: (config) => stateless({
    step({ result, obs }) {
      for (const e of result.effects) {
        if (e.kind !== 'hv-sent' || e.msg.type !== 'status') continue;
        const i = e.guest;
        const cfg = config.guests[i];
        const g = obs.guests[i];
        let online = 0;
        for (let n = cfg.hotAddStart; n < cfg.hotAddStart + cfg.hotAddPages; n++) if (inHotAdd(cfg, n) && g.pageState[n] !== PageState.Hole) online++;
        const want = g.counts.used + g.counts.ballooned + cfg.floorPages + Math.max(0, g.hv.added - online);
        if (e.msg.committed !== want) return { message: `guest ${i} reported committed = ${e.msg.committed}; it uses ${g.counts.used}, has ${g.counts.ballooned} ballooned, a floor of ${cfg.floorPages} and ${Math.max(0, g.hv.added - online)} pages added not online: ${want}`, guest: i };
        if (e.msg.free !== g.counts.free) return { message: `guest ${i} reported ${e.msg.free} free pages; it has ${g.counts.free}`, guest: i };
      }
      return null;
    },
  }),
};
