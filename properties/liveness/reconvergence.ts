import { forkable, type Property } from '../property.ts';
import { targetWords, unsettled } from '../words.ts';

/**
 * Re-convergence: after a device reset or driver reload the balloon goes back to the target
 * (QEMU keeps num_pages across reset; the reloaded driver must pick it up again).
 */
export const reconvergence: Property = {
  name: 'reconvergence',
  kind: 'eventually',
  doc: 'a guest that was reset or reloaded returns to its target after the final drain',
  refs: 'docs/INVARIANTS.md liveness: re-convergence',
  monitor: (config) => {
    return forkable({ reset: new Set<number>() }, ({ reset }) => ({
      interests: ['reset'],
      step({ result }) {
        for (const e of result.effects) if (e.kind === 'reset') reset.add(e.guest);
        return null;
      },
      end({ obs, targets }) {
        for (const i of reset) {
          const g = obs.guests[i];
          const target = targets[i] ?? 0;
          const want = unsettled(g, config.guests[i], target);
          if (want !== null) {
            return { message: `guest ${i} was reset and settled at actual = ${g.actual}, not back at its target of ${targetWords(g, target)} (expected ${want})`, guest: i };
          }
        }
        return null;
      },
    }));
  },
};
