/**
 * Per-step deltas of the family-neutral observation, run-length encoded: the page rebuilds the
 * state from them (with keyframes it makes itself), so a file holds what changed, not a snapshot
 * per step. Every step is diffed against a private copy of the whole observation rather than
 * trusted from the step's effects: an implementation under test may change memory without
 * saying so, and that is exactly what a viewer of counterexamples must show.
 *
 * Frame runs are 4 ints: [first frame, length, owner, owning gpfn of the first] (the gpfn counts
 * up along the run, or stays -1). Gpfn runs are 5 ints: [guest, first gpfn, length, value, frame of
 * the first] where value = pageState | hostBallooned << 3 and the frame counts up (or stays -1).
 */
import { FRAME_FREE, UNBACKED, type Observation } from '../core/index.ts';

export class DeltaRecorder {
  private readonly owner: Int32Array;
  private readonly ownerGpfn: Int32Array;
  private readonly value: Uint8Array[];
  private readonly p2m: Int32Array[];
  /** All runs so far, flat. */
  readonly out: number[] = [];

  /** A blank start: every frame free, every gpfn a hole without a frame; the first `record` is the initial state. */
  constructor(hostFrames: number, gpfns: readonly number[]) {
    this.owner = new Int32Array(hostFrames).fill(FRAME_FREE);
    this.ownerGpfn = new Int32Array(hostFrames).fill(-1);
    this.value = gpfns.map((n) => new Uint8Array(n));
    this.p2m = gpfns.map((n) => new Int32Array(n).fill(UNBACKED));
  }

  /** Append the runs that turn the last recorded state into `obs`; returns [frame runs, gpfn runs]. */
  record(obs: Observation): [number, number] {
    return [this.frames(obs), this.gpfns(obs)];
  }

  private frames(obs: Observation): number {
    const { owner, ownerGpfn } = obs.host;
    const po = this.owner;
    const pg = this.ownerGpfn;
    const n = Math.min(po.length, owner.length);
    let runs = 0;
    for (let i = 0; i < n; i++) {
      if (po[i] === owner[i] && pg[i] === ownerGpfn[i]) continue;
      const o = owner[i];
      const g0 = ownerGpfn[i];
      let len = 1;
      while (i + len < n && (po[i + len] !== owner[i + len] || pg[i + len] !== ownerGpfn[i + len])
        && owner[i + len] === o && ownerGpfn[i + len] === (g0 < 0 ? g0 : g0 + len)) len++;
      for (let k = 0; k < len; k++) { po[i + k] = o; pg[i + k] = g0 < 0 ? g0 : g0 + k; }
      this.out.push(i, len, o, g0);
      runs++;
      i += len - 1;
    }
    return runs;
  }

  private gpfns(obs: Observation): number {
    let runs = 0;
    obs.guests.forEach((g, gi) => {
      const pv = this.value[gi];
      const pp = this.p2m[gi];
      if (!pv) return;
      const { pageState, hostBallooned, p2m } = g;
      const n = Math.min(pv.length, pageState.length);
      for (let i = 0; i < n; i++) {
        const v = pageState[i] | (hostBallooned[i] << 3);
        if (pv[i] === v && pp[i] === p2m[i]) continue;
        const f0 = p2m[i];
        let len = 1;
        while (i + len < n) {
          const j = i + len;
          const vj = pageState[j] | (hostBallooned[j] << 3);
          if ((pv[j] === vj && pp[j] === p2m[j]) || vj !== v || p2m[j] !== (f0 < 0 ? f0 : f0 + len)) break;
          len++;
        }
        for (let k = 0; k < len; k++) { pv[i + k] = v; pp[i + k] = f0 < 0 ? f0 : f0 + k; }
        this.out.push(gi, i, len, v, f0);
        runs++;
        i += len - 1;
      }
    });
    return runs;
  }
}

/** Little-endian Int32 base64, the compact form the page decodes with `atob`. */
export function int32Base64(values: readonly number[]): string {
  return Buffer.from(Int32Array.from(values).buffer).toString('base64');
}
