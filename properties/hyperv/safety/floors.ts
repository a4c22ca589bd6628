import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 10 (floors) in Hyper-V's words: balloon_up cuts the host's request
 * to what is free above the floor (compute_balloon_floor), so a step that balloons pages leaves at
 * least the floor free.
 */
export const hvFloors: HvProperty = {
  name: 'hv-floors',
  kind: 'always',
  doc: 'ballooning never leaves the guest fewer free pages than its floor',
  refs: 'docs/INVARIANTS.md invariant 10; Linux hv_balloon.c balloon_up (avail_pages - num_pages < floor), compute_balloon_floor',
  monitor: (config) => stateless({
    step({ result, obs }) {
      for (const e of result.effects) {
        if (e.kind !== 'hv-ballooned') continue;
        const floor = config.guests[e.guest].floorPages;
        const free = obs.guests[e.guest].counts.free;
        if (free < floor) return { message: `guest ${e.guest} ballooned down to ${free} free pages, below its floor of ${floor}`, guest: e.guest };
      }
      return null;
    },
  }),
};
