import type { XenProperty } from '../property.ts';

/**
 * docs/INVARIANTS.md invariant 8 (floors) in Xen's words: the balloon never takes the guest below
 * what it can spare. Linux bounds each balloon-down step by si_mem_available() (the XSA-300 fix in
 * balloon_thread); the configuration states that bound as floorPages, so current_pages never
 * falls below it by the driver's hand.
 */
export const xenFloors: XenProperty = {
  name: 'xen-floors',
  kind: 'always',
  doc: 'current_pages never falls below the guest\'s floor by ballooning',
  refs: 'docs/INVARIANTS.md invariant 8; XSA-300; Linux balloon.c balloon_thread (min(-credit, si_mem_available()))',
  monitor: (config) => ({
    step({ result, obs, before }) {
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
