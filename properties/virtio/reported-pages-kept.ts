import { POISON_VAL, poisonOn } from '../../core/virtio/index.ts';
import { gpfnArray, type GpfnArray } from '../../core/index.ts';
import { forkable, type Violation } from '../property.ts';
import { at } from '../words.ts';
import type { VirtioProperty } from './property.ts';

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
/** Why a page must hold poison_val at its next allocation. */
const REPORTED = 1;
const DEFLATED = 2;

/**
 * The poison-aware half of the data oracle (VIRTIO 1.2 5.5.6.6 and 5.5.6.7): a guest that
 * negotiated PAGE_POISON fills a free page with poison_val before it reports it (statement 59),
 * and the device may change a reported page only to poison_val (statement 65). So from the report
 * until the guest allocates the page again, it holds poison_val, and the guest's poison check at
 * allocation (Linux check_poison_mem; the `poison-checked` effect) must find it there. A page that
 * goes into the balloon meanwhile leaves the oracle: the device may drop it (statement 20).
 *
 * The same holds for a page the balloon gives back (statement 54): with PAGE_POISON negotiated the
 * driver must initialise a deflated page with poison_val when it reuses it, so from the moment it
 * goes back to the allocator (the `pages-freed` of a page whose deflate the driver queued) until
 * the guest allocates it, the poison check must find poison_val there. A page the balloon gives
 * back at a reset (driver unload) is left out: it comes back without an effect to start from.
 *
 * The expectation lives here, in the checker: it starts at the report the guest sent, and the
 * value comes from the allocation's own check, so a system under test does not grade itself; a
 * poisoning guest that allocates without reporting what it found is refused too, or the oracle
 * would have nothing to judge.
 */
export const reportedPagesKept: VirtioProperty = {
  name: 'reported-pages-kept',
  kind: 'always',
  doc: 'with PAGE_POISON, a page reported free, or given back by the balloon, holds poison_val when the guest allocates it again',
  refs: 'VIRTIO 1.2 5.5.6.6.1, 5.5.6.7.1 and 5.5.6.7.2, statements 54, 59 and 65 (docs/virtio-spec.md); Linux mm/page_poison.c check_poison_mem',
  monitor: (config) => {
    // Per guest and gpfn: REPORTED from a poisoned report, DEFLATED from a deflated page's reuse
    // under PAGE_POISON, until the page is allocated, freed or inflated; `deflating` from the
    // deflate the driver queued until the page is reused, allocated or inflated.
    const poisoning = config.guests.map((g) => poisonOn(g.features));
    const fresh = () => config.guests.map((g) => gpfnArray(Uint8Array, g.ramPages + g.holePages));
    return forkable({ kept: fresh(), deflating: fresh() }, ({ kept, deflating }) => ({
      interests: ['buffer-queued', 'poison-checked', 'pages-allocated', 'pages-freed'],
      step({ result, obs }) {
        let checked: readonly number[] | null = null;
        for (const e of result.effects) {
          const k = kept[e.guest];
          const d = deflating[e.guest];
          if (!k || !d) continue;
          switch (e.kind) {
            case 'buffer-queued':
              if (e.origin === 'hostile') break;
              if (e.queue === 'reporting' && poisoning[e.guest]) for (const n of e.gpfns) k[n] = REPORTED;
              if (e.queue === 'inflate') for (const n of e.gpfns) if (n < k.length) { k[n] = 0; d[n] = 0; }
              if (e.queue === 'deflate') for (const n of e.gpfns) if (n < d.length) d[n] = 1;
              break;
            case 'poison-checked': {
              checked = e.gpfns;
              const v = judge(e.guest, e.gpfns, e.values, k, obs.guests[e.guest]?.features.pagePoison === true);
              if (v) return v;
              break;
            }
            case 'pages-allocated':
              if (poisoning[e.guest] && checked === null) {
                return { message: `guest ${e.guest} negotiated PAGE_POISON and allocated ${e.gpfns.length} gpfns without checking their poison (no poison-checked effect before pages-allocated)`, guest: e.guest };
              }
              for (const n of e.gpfns) { k[n] = 0; d[n] = 0; }
              break;
            case 'pages-freed': {
              // A deflated page's reuse (statement 54 binds only with PAGE_POISON negotiated); a page the guest program frees is not followed.
              const negotiated = obs.guests[e.guest]?.features.pagePoison === true;
              for (const n of e.gpfns) { k[n] = d[n] && negotiated ? DEFLATED : 0; d[n] = 0; }
              break;
            }
          }
        }
        return null;
      },
    }));
  },
};

function judge(guest: number, gpfns: readonly number[], values: readonly number[], kept: GpfnArray, negotiated: boolean): Violation | null {
  if (values.length !== gpfns.length) return { message: `guest ${guest} checked the poison of ${gpfns.length} gpfns but reported ${values.length} values`, guest };
  for (let i = 0; i < gpfns.length; i++) {
    const n = gpfns[i];
    if (!kept[n] || values[i] === POISON_VAL) continue;
    const held = `${at(guest, n)} held ${values[i] === 0 ? 'zeroes' : hex(values[i])} when the guest allocated it, not poison_val ${hex(POISON_VAL)}`;
    if (kept[n] === DEFLATED) {
      return { message: `${held}: the balloon gave it back under PAGE_POISON, and the driver must initialise a deflated page with poison_val when it reuses it (VIRTIO 1.2 5.5.6.6.1)`, guest, gpfn: n };
    }
    return {
      // A poisoning guest that reported without PAGE_POISON negotiated relied on a reported page
      // keeping its contents: statements 3 and 58 (core/virtio/negotiation.ts).
      message: negotiated
        ? `${held}: it was reported free under PAGE_POISON, so the driver poisoned it first and the device may change it only to poison_val (VIRTIO 1.2 5.5.6.7)`
        : `${held}: the guest poisons its free pages and reported this one without PAGE_POISON negotiated, so the device could discard it; a driver that relies on free pages keeping their contents must not take PAGE_REPORTING without PAGE_POISON (5.5.3.1) and must treat reported pages as uninitialised (5.5.6.7.1)`,
      guest, gpfn: n,
    };
  }
  return null;
}
