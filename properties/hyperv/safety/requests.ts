import { isRam, PageState } from '../../../core/index.ts';
import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The driver's own messages are well formed: a guest whose page is not 4 KiB offers no
 * ballooning and sends no ranges (Linux 2022, "Drivers: hv: balloon: Disable balloon and hot-add
 * accordingly"); a BALLOON_RESPONSE fits one message (alloc_balloon_pages: HV_HYP_PAGE_SIZE),
 * its ranges name whole guest pages of RAM, do not overlap, and are exactly the pages the step
 * put into the balloon.
 */
export const hvRequestsWellFormed: HvProperty = {
  name: 'hv-requests-well-formed',
  kind: 'always',
  doc: 'balloon responses fit one message and name, without overlap, exactly the whole guest pages just ballooned; only 4 KiB guests balloon',
  refs: 'Linux hv_balloon.c alloc_balloon_pages, balloon_up, struct dm_balloon_response; "Drivers: hv: balloon: Disable balloon and hot-add accordingly" (2022)',
  monitor: (config) => stateless({
    step({ result, obs }) {
      for (const e of result.effects) {
        if (e.kind !== 'hv-sent' || e.from !== 'guest') continue;
        const i = e.guest;
        const cfg = config.guests[i];
        const gpp = cfg.guestPageGpfns;
        const m = e.msg;
        if (m.type === 'caps-report' && m.balloon && gpp !== 1) return { message: `guest ${i}, whose page is ${gpp * 4} KiB, offered ballooning`, guest: i };
        if (m.type !== 'balloon-response') continue;
        if (m.ranges.length > 0 && gpp !== 1) return { message: `guest ${i}, whose page is ${gpp * 4} KiB, ballooned ${m.ranges.length} range(s)`, guest: i };
        if (m.ranges.length > config.rangesPerMessage) return { message: `guest ${i} sent a BALLOON_RESPONSE of ${m.ranges.length} ranges; one message holds ${config.rangesPerMessage}`, guest: i };
        const seen = new Set<number>();
        for (const r of m.ranges) {
          if (r.count < 1 || r.start % gpp !== 0 || r.count % gpp !== 0) return { message: `guest ${i} sent the range ${r.start}+${r.count}, which is not whole ${gpp * 4} KiB guest pages`, guest: i, gpfn: r.start };
          for (let n = r.start; n < r.start + r.count; n++) {
            if (!isRam(cfg, n)) return { message: `guest ${i} ballooned gpfn ${n}, which is not RAM`, guest: i, gpfn: n };
            if (seen.has(n)) return { message: `guest ${i} named gpfn ${n} twice in one BALLOON_RESPONSE`, guest: i, gpfn: n };
            seen.add(n);
            if (e.sent && obs.guests[i].pageState[n] !== PageState.Ballooned) return { message: `guest ${i} sent gpfn ${n} in a BALLOON_RESPONSE but has it ${obs.guests[i].pageState[n] === PageState.Used ? 'in use' : 'not ballooned'}`, guest: i, gpfn: n };
          }
        }
      }
      return null;
    },
  }),
};
