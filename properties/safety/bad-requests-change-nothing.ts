import { isRam } from '../../core/virtio/index.ts';
import { fillGpfns, gpfnArray } from '../../core/index.ts';
import { forkable, type Violation } from '../property.ts';
import type { VirtioProperty } from '../virtio/property.ts';
import { at } from '../words.ts';

/**
 * Invariant 7: out-of-range, foreign, duplicate and malformed gpfns are refused with no side
 * effect and no crash (Firecracker treats the driver as untrusted). A hostile buffer must be
 * refused whole; a refused gpfn of any buffer must not lose its frame; a refused command must
 * not map, release or allocate anything. The monitor keeps its own copy of what the host holds
 * (from the accepted entries), so an accepted entry is judged without trusting the device.
 */
export const badRequestsChangeNothing: VirtioProperty = {
  name: 'bad-requests-change-nothing',
  kind: 'always',
  doc: 'malformed requests are refused entry by entry and change no mapping, frame or balloon state',
  refs: 'docs/INVARIANTS.md invariant 7',
  monitor: (config) => {
    // What the host holds, per guest and gpfn, by this monitor's own count (typed arrays: hot).
    const state = { held: config.guests.map((g) => gpfnArray(Uint8Array, g.ramPages + g.holePages)), hostile: config.guests.map(() => new Set<number>()) };
    return forkable(state, ({ held, hostile }) => {
    const judge = (guest: number, queue: string, accepted: readonly number[]): Violation | null => {
      const h = held[guest];
      for (const n of accepted) {
        const bad = !isRam(config.guests[guest], n) ? 'which is not its RAM'
          : queue === 'inflate' && h[n] ? 'which the host already held'
          : queue === 'deflate' && !h[n] ? 'which the host did not hold' : null;
        if (bad) return { message: `the device accepted ${at(guest, n)} on the ${queue} queue, ${bad}`, guest, gpfn: n };
        // A free page report (virtio PAGE_REPORTING) leaves the balloon as it is.
        if (queue === 'inflate' || queue === 'deflate') h[n] = queue === 'inflate' ? 1 : 0;
      }
      return null;
    };
    return {
    step({ result }) {
      for (const e of result.effects) {
        if (e.kind === 'reset') { fillGpfns(held[e.guest], 0); hostile[e.guest].clear(); }
        if (e.kind === 'buffer-queued' && e.origin === 'hostile') hostile[e.guest].add(e.id);
      }
      if (result.outcome === 'refused') {
        // A refused allocation may still run the OOM notifier, whose deflate may hand pages back
        // at once when MUST_TELL_HOST is off: those frees are the deflate's, not the refusal's.
        const oom = result.effects.some((e) => e.kind === 'buffer-queued' && e.origin === 'oom');
        const bad = result.effects.find((e) => e.kind === 'frame-mapped' || e.kind === 'frame-released' || e.kind === 'pages-allocated' || (e.kind === 'pages-freed' && !oom));
        if (bad) return { message: `a refused command (${result.code}) still had an effect: ${bad.kind}`, guest: bad.guest };
        return null;
      }
      for (const e of result.effects) {
        if (e.kind !== 'buffer-processed') continue;
        const bad = judge(e.guest, e.queue, e.accepted);
        if (bad) return bad;
        if (hostile[e.guest].delete(e.id) && e.accepted.length > 0) {
          return { message: `the device accepted ${at(e.guest, e.accepted[0])} from a malformed ${e.queue} buffer of ${e.accepted.length + e.refused.length} gpfns`, guest: e.guest, gpfn: e.accepted[0] };
        }
        if (e.refused.length === 0) continue;
        const refused = new Set(e.refused.map((r) => r.gpfn));
        for (const x of result.effects) {
          if (x.kind === 'frame-released' && x.guest === e.guest && refused.has(x.gpfn)) {
            return { message: `the device refused ${at(e.guest, x.gpfn)} but released its frame ${x.frame} anyway`, guest: e.guest, gpfn: x.gpfn, frame: x.frame };
          }
        }
      }
      return null;
    },
  };
  });
  },
};
