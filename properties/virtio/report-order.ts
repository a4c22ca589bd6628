/**
 * The report order of a reporting case (core/virtio/reporting.ts; VIRTIO 1.2 5.5.6.7.1 statement
 * 62): each guest that negotiates PAGE_REPORTING draws k from 0 to 3 (ORDER) for reports in aligned blocks
 * of 2^k guest pages, Linux's page_reporting_order scaled to guests of a few dozen pages, and never
 * so large that fewer than two blocks fit in its memory. Drawn after the commands and the negotiation
 * (before the target swings, which leave a reporting round out for a guest with an order above 0:
 * properties/workload.ts swingsArb), so a case keeps those draws; it shrinks to order 0 (any whole page).
 * A configuration the caller fixed (`fixed`) keeps the order it gives.
 */
import fc from 'fast-check';
import { reportingOn, type GuestConfig } from '../../core/virtio/index.ts';
import type { Case } from '../workload.ts';

/** The largest order that leaves at least two blocks in the guest's memory. */
const maxOrder = (g: GuestConfig): number => Math.max(0, Math.floor(Math.log2(g.ramPages / g.guestPageGpfns)) - 1);

/**
 * A guest's drawn order: 0 (any whole page, as before statement 62 was encoded) one time in two,
 * else 1 to 3. Uniform over 0-3, three reporting guests in four reported in blocks, and the blocks
 * changed which pages stay free for everything after the first report: of the cases at the zoo's
 * seeds that found virtio/discard-not-propagated before the order existed and no longer did, more
 * than half differed only by it (issue 22: median runs to detection must not rise). It shrinks to 0.
 */
const ORDER = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) });

export function reportOrderArb(c: Case, fixed = false): fc.Arbitrary<Case> {
  if (fixed || !c.config.guests.some((g) => reportingOn(g.features))) return fc.constant(c);
  const n = c.config.guests.length;
  return fc.array(ORDER, { minLength: n, maxLength: n }).map((ks) => ({
    ...c,
    config: {
      ...c.config,
      guests: c.config.guests.map((g, i) => {
        const k = Math.min(ks[i], maxOrder(g));
        return reportingOn(g.features) && k > 0 ? { ...g, reportOrder: k } : g;
      }),
    },
  }));
}
