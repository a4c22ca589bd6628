import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 8 (floors) in Xen's words: the balloon never takes the guest below
 * what it can spare. Linux bounds each balloon-down step by si_mem_available() (the XSA-300 fix in
 * balloon_thread); the configuration states that bound as floorPages, so current_pages never
 * falls below it by the driver's hand.
 */
export const xenFloors: XenProperty = {
  name: 'xen-floors',
  kind: 'always',
  doc: 'current_pages never falls below the guest\'s floor by ballooning, and moves only by the writes each step reports',
  refs: 'docs/INVARIANTS.md invariant 8; XSA-300; Linux balloon.c balloon_thread (min(-credit, si_mem_available()))',
  monitor: (config) => stateless({
    step({ command, result, obs, before }) {
      // current_pages changes only by a write the step reports (balloon.c: balloon_stats.current_pages
      // moves in increase_reservation and decrease_reservation; a rebuild writes it afresh).
      const now = obs.guests[command.guest]?.actual;
      if (now !== undefined && now !== before.current && !result.effects.some((e) => e.kind === 'actual-written' && e.guest === command.guest && e.actual === now)) {
        return { message: `guest ${command.guest}'s current_pages moved from ${before.current} to ${now} with no actual-written effect saying so`, guest: command.guest };
      }
      for (const e of result.effects) {
        if (e.kind !== 'actual-written') continue;
        const floor = config.guests[e.guest].floorPages;
        if (e.actual < floor && e.actual < before.current) return { message: `guest ${e.guest} ballooned down to ${e.actual} pages, below its floor of ${floor}`, guest: e.guest };
        if (obs.guests[e.guest].actual !== e.actual) return { message: `guest ${e.guest} wrote current_pages ${e.actual} but reports ${obs.guests[e.guest].actual}`, guest: e.guest };
      }
      return null;
    },
  }),
};
