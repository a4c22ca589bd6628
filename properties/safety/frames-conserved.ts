import { touchedRanges, FRAME_FREE, FRAME_RESERVED, UNBACKED, type WorldObservation as Observation } from '../../core/index.ts';
import { forkable, type Property } from '../property.ts';

/**
 * Invariant 2: free + mapped + reserved = total host frames. Per step the monitor keeps its own
 * count of mapped frames from the effects (mapped +1, released -1) and compares it with the
 * host's free count, and the free count must move by what the step's effects say; the audit
 * recounts the whole frame table.
 */
export const framesConserved: Property = {
  name: 'frames-conserved',
  kind: 'always',
  doc: 'free + mapped + reserved frames = total host frames, on every path including errors',
  refs: 'docs/INVARIANTS.md invariant 2',
  monitor: () => {
    return forkable({ mapped: -1 }, (st) => ({
      interests: ['frame-mapped', 'frame-released'],
      step({ result, obs, before }) {
        const d = delta(result.effects);
        if (st.mapped < 0) st.mapped = countMapped(obs) - d;
        st.mapped += d;
        const { freeFrames, reservedFrames, totalFrames } = obs.host;
        if (freeFrames + st.mapped + reservedFrames !== totalFrames) {
          return { message: `${freeFrames} free + ${st.mapped} mapped + ${reservedFrames} reserved = ${freeFrames + st.mapped + reservedFrames} frames, but the host has ${totalFrames}` };
        }
        // The step's own account: the host's free count moves by exactly the frames it reports
        // mapped and released. Without this, a mapping the run's first such step leaves
        // unreported would be absorbed by the count's starting value above.
        if (before.hostFree - freeFrames !== d) {
          return { message: `the host's free frames went from ${before.hostFree} to ${freeFrames}, but the step reported ${d >= 0 ? `${d} more` : `${-d} fewer`} mapped frames` };
        }
        return null;
      },
      audit(obs) {
        const { owner, freeFrames, reservedFrames, totalFrames } = obs.host;
        let free = 0, reserved = 0, owned = 0;
        for (let f = 0; f < owner.length; f++) {
          if (owner[f] === FRAME_FREE) free++; else if (owner[f] === FRAME_RESERVED) reserved++; else owned++;
        }
        const backed = countMapped(obs);
        if (free !== freeFrames) return { message: `the host counts ${freeFrames} free frames, its frame table holds ${free}` };
        if (reserved !== reservedFrames) return { message: `${reserved} frames are reserved, the host says ${reservedFrames}` };
        if (backed !== owned) return { message: `guests map ${backed} gpfns but the frame table has ${owned} mapped frames` };
        if (free + owned + reserved !== totalFrames) return { message: `${free} free + ${owned} mapped + ${reserved} reserved != ${totalFrames} frames` };
        st.mapped = backed;
        return null;
      },
    }));
  },
};

function delta(effects: readonly { kind: string }[]): number {
  let d = 0;
  for (const e of effects) if (e.kind === 'frame-mapped') d++; else if (e.kind === 'frame-released') d--;
  return d;
}

function countMapped(obs: Observation): number {
  let n = 0;
  for (const g of obs.guests) for (const [lo, hi] of touchedRanges(g.p2m)) for (let i = lo; i < hi; i++) if (g.p2m[i] !== UNBACKED) n++;
  return n;
}
