import { touchedRanges } from '../../core/index.ts';
import { stateless } from '../property.ts';
import { isRam, PageState, UNBACKED, wantedSize } from '../../core/virtio/index.ts';
import type { VirtioProperty } from '../virtio/property.ts';
import { at, stateOf } from '../words.ts';

/**
 * The purpose of ballooning, judged after the fair drain against the host's own targets (what the
 * workload's set-target commands asked, clamped to RAM as QEMU's virtio_balloon_to_target does),
 * not the target the implementation reports:
 * - the device holds the balloon the host asked for, in whole guest pages above the floor (VIRTIO
 *   5.5.6: the driver works toward num_pages), or less only when the guest has no free page left;
 * - with host pages of one gpfn, every host page in the balloon is back with the host, none of
 *   its gpfns backed (QEMU discards it, virtio_balloon_handle_output), unless the guest has an
 *   assigned device: VFIO disables discard (ram_block_discard_disable), and then effects-agree
 *   sees that nothing was. A bigger host page is discarded only when one inflate names it whole
 *   (QEMU's partial host page tracking ends with each buffer since "virtio-balloon: free pbp
 *   more aggressively", 2019), which effects-agree judges buffer by buffer: one ballooned over
 *   several buffers may keep its frames;
 * - pages out of the balloon are usable again: each RAM gpfn the host does not hold is free or
 *   used, never stuck on its way in or out, and every used gpfn is backed by a frame.
 * One pass over each guest's gpfns, once per run.
 */
export const purpose: VirtioProperty = {
  name: 'purpose',
  kind: 'eventually',
  doc: 'after the drain the device holds the balloon the host asked for, its whole host pages are back with the host, and the rest of memory is usable',
  refs: 'VIRTIO 1.x 5.5.6; QEMU virtio-balloon.c (discard; none under VFIO); docs/INVARIANTS.md liveness',
  monitor: (config) => stateless({
    end({ obs, targets, quiescent }) {
      if (!quiescent) return null; // progress reports a drain that never came to rest
      const hpg = config.hostPageGpfns;
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        const gc = config.guests[i];
        const want = wantedSize(targets[i] ?? 0, gc);
        let held = 0;
        for (const [lo, hi] of touchedRanges(g.hostBallooned)) for (let n = lo; n < hi; n++) held += g.hostBallooned[n];
        if (held > want || (held < want && g.counts.free >= gc.guestPageGpfns)) {
          return { message: `guest ${i}'s device holds ${held} gpfns in the balloon after the drain; the host asked for ${targets[i] ?? 0} pages (${want} in whole guest pages above the floor) and ${g.counts.free} gpfns are free`, guest: i };
        }
        // Outside the touched ranges a page is free, unbacked and not held (core/paged.ts).
        for (const [lo, hi] of touchedRanges(g.pageState, g.hostBallooned, g.p2m)) for (let n = lo; n < hi; n++) {
          const s = g.pageState[n];
          if (g.hostBallooned[n] === 0 && isRam(gc, n) && s !== PageState.Free && s !== PageState.Used) {
            return { message: `after the drain ${at(i, n)} is ${stateOf(obs, i, n)}, though the host does not hold it: the guest cannot use it again`, guest: i, gpfn: n };
          }
          if (s === PageState.Used && g.p2m[n] === UNBACKED) return { message: `after the drain ${at(i, n)} is used but no frame backs it`, guest: i, gpfn: n };
        }
        if (gc.assignedDevice || hpg > 1) continue;
        for (const [lo, hi] of touchedRanges(g.hostBallooned)) for (let base = lo; base + hpg <= hi; base += hpg) { // ranges start on chunks, whole host pages
          let whole = true;
          for (let x = base; x < base + hpg && whole; x++) whole = g.hostBallooned[x] === 1;
          if (!whole) continue;
          for (let x = base; x < base + hpg; x++) {
            if (g.p2m[x] !== UNBACKED) return { message: `after the drain host page ${base / hpg} of guest ${i} is wholly in the balloon, but ${at(i, x)} still maps frame ${g.p2m[x]}: the host never got it back`, guest: i, gpfn: x, frame: g.p2m[x] };
          }
        }
      }
      return null;
    },
  }),
};
