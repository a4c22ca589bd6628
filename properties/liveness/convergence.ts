import { forkable, type Property } from '../property.ts';
import { targetWords, unsettled } from '../words.ts';

/**
 * Convergence: with a steady target and enough reclaimable memory, `actual` reaches the target
 * (rounded up to whole guest pages, kept above the floor) and stays; on the way it turns back at
 * most twice (an inflate and an OOM deflate already in flight when the drain starts may each
 * finish against the direction of travel). Checked
 * on the fair drain that ends every run, after the host re-asserts the target. The endless
 * inflate/deflate on 64 KiB arm64 guests (Linux, 2023) shows here as a third reversal.
 */
export const convergence: Property = {
  name: 'convergence',
  kind: 'eventually',
  doc: 'after the final drain actual equals the target in whole guest pages (or the guest is out of free pages), moving one way only',
  refs: 'docs/INVARIANTS.md liveness: convergence',
  monitor: (config) => {
    const state = { last: new Map<number, number>(), dir: new Map<number, number>(), turns: new Map<number, number>(), reversal: null as string | null };
    return forkable(state, (st) => {
    const { last, dir, turns } = st;
    return {
      interests: ['target-set', 'actual-written'],
      step({ draining, result, obs }) {
        if (!draining || st.reversal) return null;
        for (const e of result.effects) {
          if (e.kind === 'target-set') { last.set(e.guest, obs.guests[e.guest].actual); dir.delete(e.guest); turns.delete(e.guest); continue; }
          if (e.kind !== 'actual-written') continue;
          const prev = last.get(e.guest) ?? e.actual;
          const d = Math.sign(e.actual - prev);
          if (d !== 0 && dir.has(e.guest) && dir.get(e.guest) !== d) {
            const n = (turns.get(e.guest) ?? 0) + 1;
            turns.set(e.guest, n);
            if (n > 2) {
              st.reversal = `guest ${e.guest}'s actual turned back a third time (${prev} → ${e.actual}) under a steady target of ${obs.guests[e.guest].target}: it oscillates`;
              return { message: st.reversal, guest: e.guest };
            }
          }
          if (d !== 0) dir.set(e.guest, d);
          last.set(e.guest, e.actual);
        }
        return null;
      },
      end({ obs, targets }) {
        for (let i = 0; i < obs.guests.length; i++) {
          const g = obs.guests[i];
          const target = targets[i] ?? 0;
          const want = unsettled(g, config.guests[i], target);
          if (want === null) continue;
          return { message: `guest ${i} settled at actual = ${g.actual} with a target of ${targetWords(g, target)} (expected ${want}; ${g.counts.free} gpfns free)`, guest: i };
        }
        return null;
      },
    };
    });
  },
};
