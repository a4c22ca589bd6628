import { POISON_VAL, poisonOn } from '../../core/virtio/index.ts';
import { forkable, type Violation } from '../property.ts';
import { at } from '../words.ts';
import type { VirtioProperty } from './property.ts';

const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

/**
 * The poison-aware half of the data oracle (VIRTIO 1.2 5.5.6.6 and 5.5.6.7): a guest that
 * negotiated PAGE_POISON fills a free page with poison_val before it reports it (statement 59),
 * and the device may change a reported page only to poison_val (statement 65). So from the report
 * until the guest allocates the page again, it holds poison_val, and the guest's poison check at
 * allocation (Linux check_poison_mem; the `poison-checked` effect) must find it there. A page that
 * goes into the balloon meanwhile leaves the oracle: the device may drop it (statement 20).
 *
 * The expectation lives here, in the checker: it starts at the report the guest sent, and the
 * value comes from the allocation's own check, so a system under test does not grade itself; a
 * poisoning guest that allocates without reporting what it found is refused too, or the oracle
 * would have nothing to judge.
 */
export const reportedPagesKept: VirtioProperty = {
  name: 'reported-pages-kept',
  kind: 'always',
  doc: 'with PAGE_POISON, a page reported free still holds poison_val when the guest allocates it again',
  refs: 'VIRTIO 1.2 5.5.6.7.1 and 5.5.6.7.2, statements 59 and 65 (docs/virtio-spec.md); Linux mm/page_poison.c check_poison_mem',
  monitor: (config) => {
    // Per guest and gpfn: 1 from a poisoned report until the page is allocated, freed or inflated.
    const poisoning = config.guests.map((g) => poisonOn(g.features));
    return forkable({ kept: config.guests.map((g) => new Uint8Array(g.ramPages + g.holePages)) }, ({ kept }) => ({
      interests: ['buffer-queued', 'poison-checked', 'pages-allocated', 'pages-freed'],
      step({ result, obs }) {
        let checked: readonly number[] | null = null;
        for (const e of result.effects) {
          const k = kept[e.guest];
          if (!k) continue;
          switch (e.kind) {
            case 'buffer-queued':
              if (e.origin === 'hostile') break;
              if (e.queue === 'reporting' && poisoning[e.guest]) for (const n of e.gpfns) k[n] = 1;
              if (e.queue === 'inflate') for (const n of e.gpfns) if (n < k.length) k[n] = 0;
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
              for (const n of e.gpfns) k[n] = 0;
              break;
            case 'pages-freed':
              for (const n of e.gpfns) k[n] = 0;
              break;
          }
        }
        return null;
      },
    }));
  },
};

function judge(guest: number, gpfns: readonly number[], values: readonly number[], kept: Uint8Array, negotiated: boolean): Violation | null {
  if (values.length !== gpfns.length) return { message: `guest ${guest} checked the poison of ${gpfns.length} gpfns but reported ${values.length} values`, guest };
  for (let i = 0; i < gpfns.length; i++) {
    const n = gpfns[i];
    if (!kept[n] || values[i] === POISON_VAL) continue;
    const held = `${at(guest, n)} held ${values[i] === 0 ? 'zeroes' : hex(values[i])} when the guest allocated it, not poison_val ${hex(POISON_VAL)}`;
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
