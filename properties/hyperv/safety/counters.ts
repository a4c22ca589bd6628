import { PageState, UNBACKED } from '../../../core/index.ts';
import { inHotAdd, type HvGuestObservation, type HvObservation, type HvSystemConfig } from '../../../core/hyperv/index.ts';
import type { HvProperty, HvViolation } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 6 in Hyper-V's words: the driver's counters equal the sets they
 * count (num_pages_ballooned the ballooned pages, num_pages_onlined the online pages of the
 * hot-add region, never more than num_pages_added); the host holds as ballooned only pages the
 * guest ballooned, none of them backed, and `actual` counts them; once no transaction is open and
 * the channel is empty, guest and host agree on the balloon's size.
 */
export const hvCountersMatch: HvProperty = {
  name: 'hv-counters-match',
  kind: 'always',
  doc: 'num_pages_ballooned and num_pages_onlined equal the pages they count; the host holds only ballooned, unbacked pages; guest and host agree once idle',
  refs: 'docs/INVARIANTS.md invariant 6; Linux hv_balloon.c dm_device.num_pages_ballooned, num_pages_added, num_pages_onlined; "hv_balloon: fix bugs in num_pages_onlined accounting"',
  monitor: (config) => stateless({
    audit(obs: HvObservation) {
      for (let i = 0; i < obs.guests.length; i++) { const v = auditGuest(obs.guests[i], i, config); if (v) return v; }
      return null;
    },
  }),
};

function auditGuest(g: HvGuestObservation, i: number, config: HvSystemConfig): HvViolation | null {
  const cfg = config.guests[i];
  const h = g.hv;
  let ballooned = 0, held = 0, online = 0;
  for (let n = 0; n < g.pageState.length; n++) {
    const s = g.pageState[n];
    if (s === PageState.Ballooned) ballooned++;
    if (inHotAdd(cfg, n) && s !== PageState.Hole) online++;
    if (g.hostBallooned[n]) {
      held++;
      if (s !== PageState.Ballooned) return { message: `the host holds gpfn ${n} of guest ${i} as ballooned, but the guest has it ${s === PageState.Used ? 'in use' : s === PageState.Free ? 'free' : 'offline'}`, guest: i, gpfn: n };
      if (g.p2m[n] !== UNBACKED) return { message: `the host holds gpfn ${n} of guest ${i} as ballooned but still backs it with frame ${g.p2m[n]}`, guest: i, gpfn: n };
    }
  }
  // A 64 KiB guest counts in guest pages; only a 4 KiB guest balloons (hvBalloonOffered).
  if (cfg.guestPageGpfns === 1 && h.ballooned !== ballooned) return { message: `guest ${i} counts num_pages_ballooned = ${h.ballooned}, but ${ballooned} pages are ballooned`, guest: i };
  if (g.counts.ballooned !== ballooned) return { message: `guest ${i} counts ${g.counts.ballooned} ballooned gpfns, ${ballooned} are`, guest: i };
  if (g.actual !== held) return { message: `guest ${i} reports actual ${g.actual}, but the host holds ${held} pages as ballooned`, guest: i };
  if (h.onlined !== online) return { message: `guest ${i} counts num_pages_onlined = ${h.onlined}, but ${online} pages of its hot-add region are online`, guest: i };
  if (h.onlined > h.added) return { message: `guest ${i} counts ${h.onlined} pages onlined but only ${h.added} added`, guest: i };
  const idle = !h.host.outstanding && h.toGuest.length === 0 && h.toHost.length === 0 && h.unballoonTrans === null;
  if (idle && ballooned !== held) return { message: `guest ${i} is idle with ${ballooned} pages ballooned, but the host holds ${held}`, guest: i };
  return null;
}
