import { touchedRanges, FRAME_RESERVED, UNBACKED, type WorldObservation as Observation } from '../../core/index.ts';
import { stateless, type Property, type Violation } from '../property.ts';
import { at, frameOwner } from '../words.ts';

/**
 * Invariant 1: a frame is mapped by at most one (guest, gpfn), and every view of a mapping (the
 * CPU's p2m, an assigned device's DMA view, the host's frame table) agrees; a frame nobody maps
 * names no gpfn in the frame table.
 */
export const noDoubleMapping: Property = {
  name: 'no-double-mapping',
  kind: 'always',
  doc: 'a frame is mapped by at most one (guest, gpfn), and the p2m, DMA view and frame table agree',
  refs: 'docs/INVARIANTS.md invariant 1',
  monitor: () => stateless({
    interests: ['frame-mapped', 'frame-released'],
    step({ result, obs }) {
      // Effects are in order and the observation is the state after the step: a frame released
      // and mapped again later in the same step (a Xen domain rebuilt on reset takes its frames
      // back) is judged by its last mapping, not by the release.
      const lastMapped = lastMappings(result.effects);
      for (let i = 0; i < result.effects.length; i++) {
        const e = result.effects[i];
        if (e.kind === 'frame-mapped') {
          if (lastMapped.get(e.frame) !== i) continue; // mapped again later in the step: judged there
          const v = mappingAgrees(obs, e.guest, e.gpfn, e.frame);
          if (v) return v;
        } else if (e.kind === 'frame-released') {
          if ((lastMapped.get(e.frame) ?? -1) > i) continue;
          const g = obs.guests[e.guest];
          if (g && g.p2m[e.gpfn] === e.frame) return { message: `${at(e.guest, e.gpfn)} still maps frame ${e.frame} after the host released it`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
          if (g?.dmaView && g.dmaView[e.gpfn] === e.frame) return { message: `the DMA view of ${at(e.guest, e.gpfn)} still maps frame ${e.frame} after the host released it`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
          if (obs.host.owner[e.frame] === e.guest && obs.host.ownerGpfn[e.frame] === e.gpfn) return { message: `the frame table still says frame ${e.frame} is mapped by ${at(e.guest, e.gpfn)} after its release`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
        }
      }
      return null;
    },
    audit(obs) {
      for (let g = 0; g < obs.guests.length; g++) {
        const { p2m, dmaView } = obs.guests[g];
        for (const [lo, hi] of touchedRanges(p2m, dmaView)) for (let n = lo; n < hi; n++) {
          if (dmaView && dmaView[n] !== p2m[n]) {
            return { message: `${at(g, n)}: the CPU maps frame ${p2m[n]} but the assigned device's DMA view maps ${dmaView[n]}`, guest: g, gpfn: n };
          }
          if (p2m[n] === UNBACKED) continue;
          const v = mappingAgrees(obs, g, n, p2m[n]);
          if (v) return v;
        }
      }
      const { owner, ownerGpfn } = obs.host;
      for (let f = 0; f < owner.length; f++) {
        const g = owner[f];
        // A free or reserved frame belongs to no gpfn: core/observation.ts (ownerGpfn is "the gpfn
        // that maps it within its owner, or -1"). A stale gpfn left on a released frame would
        // make the frame table claim a mapping the p2m no longer has.
        if (g < 0) {
          if (ownerGpfn[f] !== -1) return { message: `frame ${f} is ${g === FRAME_RESERVED ? 'reserved' : 'free'}, but the frame table says gpfn ${ownerGpfn[f]} maps it`, frame: f };
          continue;
        }
        const guest = obs.guests[g];
        if (!guest || guest.p2m[ownerGpfn[f]] !== f) return { message: `the frame table says frame ${f} is mapped by ${at(g, ownerGpfn[f])}, but that gpfn maps ${guest?.p2m[ownerGpfn[f]] ?? 'nothing'}`, frame: f, guest: g, gpfn: ownerGpfn[f] };
      }
      return null;
    },
  }),
};

/**
 * Frame to the index of the step's last effect mapping it. Most steps map at most one frame: those
 * get a shared empty map or a one-entry view, no Map per step (bench/RESULTS.md, 2^20 frames).
 */
function lastMappings(effects: readonly { kind: string; frame?: number }[]): { get(frame: number): number | undefined } {
  let only = -1;
  let map: Map<number, number> | null = null;
  for (let i = 0; i < effects.length; i++) {
    const e = effects[i];
    if (e.kind !== 'frame-mapped') continue;
    if (map) map.set(e.frame!, i);
    else if (only < 0) only = i;
    else { map = new Map([[effects[only].frame!, only]]); map.set(e.frame!, i); }
  }
  if (map) return map;
  if (only < 0) return NONE;
  const frame = effects[only].frame!;
  return { get: (f) => (f === frame ? only : undefined) };
}
const NONE = { get: (): number | undefined => undefined };

function mappingAgrees(obs: Observation, guest: number, gpfn: number, f: number): Violation | null {
  const { owner, ownerGpfn, totalFrames } = obs.host;
  if (f < 0 || f >= totalFrames) return { message: `${at(guest, gpfn)} is mapped to frame ${f}, which does not exist`, guest, gpfn, frame: f };
  if (owner[f] !== guest || ownerGpfn[f] !== gpfn) {
    return { message: `${at(guest, gpfn)} is mapped to frame ${f}, which the frame table says is ${frameOwner(obs, f)}`, guest, gpfn, frame: f };
  }
  const g = obs.guests[guest];
  if (g.p2m[gpfn] !== f) return { message: `${at(guest, gpfn)}: the frame table says it maps frame ${f}, the p2m says ${g.p2m[gpfn]}`, guest, gpfn, frame: f };
  if (g.dmaView && g.dmaView[gpfn] !== f) return { message: `${at(guest, gpfn)} maps frame ${f} for the CPU but ${g.dmaView[gpfn]} for the assigned device`, guest, gpfn, frame: f };
  return null;
}
