import { FRAME_FREE, FRAME_RESERVED, touchedRanges, UNBACKED } from '../../../core/index.ts';
import type { XenObservation } from '../../../core/xen/index.ts';
import type { XenProperty, XenViolation } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariants 1 and 2 on the Xen observation: every frame is free, reserved or
 * mapped by exactly the one (domain, gpfn) whose p2m names it, and the host's free count is the
 * frame table's, across decrease_reservation and populate_physmap, partial counts and PoD
 * backing included. (The shared no-double-mapping and frames-conserved, until the seam lands.)
 */
export const xenFrames: XenProperty = {
  name: 'xen-frames',
  kind: 'always',
  doc: 'each frame free, reserved or mapped by the one gpfn whose p2m names it; free count matches, and moves by the frames each step reports',
  refs: 'docs/INVARIANTS.md invariants 1 and 2; xen/common/memory.c guest_remove_page, populate_physmap',
  monitor: () => stateless({
    audit: auditFrames,
    // A frame changes hands only by a step that says so: the host's free count moves by exactly the
    // frames the step reports released (guest_remove_page, domain teardown) less those it reports
    // mapped (populate_physmap, PoD backing, domain build).
    step({ result, obs, before }) {
      let released = 0, mapped = 0;
      for (const e of result.effects) {
        if (e.kind === 'frame-released') released++;
        else if (e.kind === 'frame-mapped') mapped++;
      }
      const moved = obs.host.freeFrames - before.hostFree;
      return moved === released - mapped ? null : { message: `the host's free frames moved by ${moved} in a step that reports ${released} frame(s) released and ${mapped} mapped` };
    },
  }),
};

export function auditFrames(obs: XenObservation): XenViolation | null {
  const { owner, ownerGpfn, freeFrames } = obs.host;
  let free = 0;
  for (let f = 0; f < owner.length; f++) {
    const o = owner[f];
    if (o === FRAME_FREE) { free++; continue; }
    if (o === FRAME_RESERVED) continue;
    const g = obs.guests[o];
    if (!g || g.p2m[ownerGpfn[f]] !== f) return { message: `frame ${f} is owned by gpfn ${ownerGpfn[f]} of guest ${o}, whose p2m does not map it`, frame: f, guest: o };
  }
  if (free !== freeFrames) return { message: `the host counts ${freeFrames} free frames, its frame table holds ${free}` };
  for (let i = 0; i < obs.guests.length; i++) {
    const p2m = obs.guests[i].p2m;
    for (const [lo, hi] of touchedRanges(p2m)) for (let n = lo; n < hi; n++) {
      const f = p2m[n];
      if (f === UNBACKED) continue;
      if (owner[f] !== i || ownerGpfn[f] !== n) return { message: `gpfn ${n} of guest ${i} maps frame ${f}, which the host gives to ${owner[f] < 0 ? 'nobody' : `gpfn ${ownerGpfn[f]} of guest ${owner[f]}`}`, guest: i, gpfn: n, frame: f };
    }
  }
  return null;
}
