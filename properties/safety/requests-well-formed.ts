import { isRam, PageState, type GuestConfig, type Observation } from '../../core/virtio/index.ts';
import { forkable, type Violation } from '../property.ts';
import type { VirtioProperty } from '../virtio/property.ts';
import { at, stateOf } from '../words.ts';

/**
 * Invariant 5: what the driver itself puts on a queue is well formed. Inflated gpfns are RAM,
 * were free (the driver marks them inflating) and are not already held by the host; deflated
 * gpfns were inflated and acknowledged; no gpfn twice; whole guest pages; at most maxBatch gpfns;
 * at most one stats buffer outstanding (VIRTIO 5.5.6.3); a free page report names free pages the
 * driver took off its free list (5.5.6.7.1). Hostile buffers are invariant 7's job.
 */
export const requestsWellFormed: VirtioProperty = {
  name: 'requests-well-formed',
  kind: 'always',
  doc: 'driver buffers hold in-range, free (inflate) or acknowledged (deflate) gpfns, no duplicates, within the batch limit',
  refs: 'docs/INVARIANTS.md invariant 5; VIRTIO 5.5.6.1, 5.5.6.3',
  monitor: (config) => {
    // Duplicate detection without a Set per buffer: gpfn n was seen in this buffer when
    // stamps[guest][n] equals the buffer's tick.
    return forkable({ stamps: config.guests.map((g) => new Uint32Array(g.ramPages + g.holePages)), tick: 0 }, (st) => ({
      interests: ['buffer-queued'],
      step({ result, obs }) {
        for (const e of result.effects) {
          if (e.kind !== 'buffer-queued' || e.origin === 'hostile') continue;
          const g = obs.guests[e.guest];
          const gc = config.guests[e.guest];
          if (e.queue === 'stats') {
            const n = g.inflight.filter((b) => b.queue === 'stats').length;
            if (n > 1) return { message: `guest ${e.guest} has ${n} stats buffers outstanding; at most one is allowed`, guest: e.guest };
            continue;
          }
          if (e.queue === 'reporting') {
            const v = wellFormedReport(obs, e.guest, e.gpfns, gc, st.stamps[e.guest], ++st.tick);
            if (v) return v;
            continue;
          }
          if (e.gpfns.length > config.maxBatch) return { message: `guest ${e.guest} sent ${e.queue === 'inflate' ? 'an' : 'a'} ${e.queue} buffer of ${e.gpfns.length} gpfns; the limit is ${config.maxBatch}`, guest: e.guest };
          if (e.gpfns.length % gc.guestPageGpfns !== 0) return { message: `guest ${e.guest} sent ${e.gpfns.length} gpfns, not whole ${gc.guestPageGpfns}-gpfn guest pages`, guest: e.guest };
          const seen = st.stamps[e.guest];
          const tick = ++st.tick;
          for (const n of e.gpfns) {
            if (!isRam(gc, n)) return { message: `guest ${e.guest} put gpfn ${n}, which is not its RAM, on the ${e.queue} queue`, guest: e.guest, gpfn: n };
            if (seen[n] === tick) return { message: `guest ${e.guest} named ${at(e.guest, n)} twice in one ${e.queue} buffer`, guest: e.guest, gpfn: n };
            seen[n] = tick;
            const s = g.pageState[n];
            if (e.queue === 'inflate' && (s !== PageState.Inflating || g.hostBallooned[n])) {
              return { message: `guest ${e.guest} inflated ${at(e.guest, n)}, which is ${g.hostBallooned[n] ? 'already held by the host' : stateOf(obs, e.guest, n)}`, guest: e.guest, gpfn: n };
            }
            if (e.queue === 'deflate' && !g.hostBallooned[n]) {
              return { message: `guest ${e.guest} deflated ${at(e.guest, n)}, whose inflate was never acknowledged by the host (it is ${stateOf(obs, e.guest, n)})`, guest: e.guest, gpfn: n };
            }
            // Without MUST_TELL_HOST the driver may reuse a deflated page at once (VIRTIO 5.5.6.1);
            // the features as negotiated, which a reload may change (core/virtio/negotiation.ts).
            if (e.queue === 'deflate' && s !== PageState.Deflating && (g.features.mustTellHost || s !== PageState.Free)) {
              return { message: `guest ${e.guest} deflated ${at(e.guest, n)} and it is already ${stateOf(obs, e.guest, n)}${g.features.mustTellHost ? ': with MUST_TELL_HOST it must stay out of use until the device acknowledges' : ''}`, guest: e.guest, gpfn: n };
            }
          }
        }
        return null;
      },
    }));
  },
};

/**
 * A free page report (VIRTIO 1.2 5.5.6.7.1): whole guest pages of the guest's RAM, each once, each
 * taken off the free list for the report (reported).
 */
function wellFormedReport(obs: Observation, guest: number, gpfns: readonly number[], gc: GuestConfig, seen: Uint32Array, tick: number): Violation | null {
  const g = obs.guests[guest];
  if (gpfns.length === 0) return { message: `guest ${guest} sent an empty free page report`, guest };
  if (gpfns.length % gc.guestPageGpfns !== 0) return { message: `guest ${guest} reported ${gpfns.length} gpfns, not whole ${gc.guestPageGpfns}-gpfn guest pages`, guest };
  for (const n of gpfns) {
    if (!isRam(gc, n)) return { message: `guest ${guest} reported gpfn ${n}, which is not its RAM`, guest, gpfn: n };
    if (seen[n] === tick) return { message: `guest ${guest} named ${at(guest, n)} twice in one free page report`, guest, gpfn: n };
    seen[n] = tick;
    // The host may still hold it in the balloon: without MUST_TELL_HOST a deflated page is free
    // before the device served the deflate (5.5.6.1 statement 15), and so may be reported.
    if (g.pageState[n] !== PageState.Reported) {
      return { message: `guest ${guest} reported ${at(guest, n)} free, but it is ${stateOf(obs, guest, n)}`, guest, gpfn: n };
    }
  }
  return null;
}
