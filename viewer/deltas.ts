/**
 * Per-step deltas of the family-neutral observation, run-length encoded: the page rebuilds the
 * state from them (with keyframes it makes itself), so a file holds what changed, not a snapshot
 * per step. Every step is diffed against a private copy of the whole observation rather than
 * trusted from the step's effects: an implementation under test may change memory without
 * saying so, and that is exactly what a viewer of counterexamples must show. The diff compares
 * blocks natively (Buffer.compare) and looks at single entries only inside blocks that differ,
 * so a step costs a memcmp of the observation plus its changes.
 *
 * Frame runs are 4 ints: [first frame, length, owner, owning gpfn of the first] (the gpfn counts
 * up along the run, or stays -1). Gpfn runs are 5 ints: [guest, first gpfn, length, value, frame of
 * the first] where value = pageState | hostBallooned << 3 and the frame counts up (or stays -1).
 */
import { asTyped, FRAME_FREE, UNBACKED, type WorldObservation as Observation } from '../core/index.ts';

/** Entries per block of the native comparison. */
const BLOCK = 1024;

type Typed = Int32Array | Uint8Array;
const bytes = (a: Typed) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Start indices of the blocks where any pair (mine[k], theirs[k]) differs. */
function dirtyBlocks(n: number, pairs: [Typed, Typed][]): number[] {
  const views = pairs.map(([a, b]) => [bytes(a), bytes(b), a.BYTES_PER_ELEMENT] as const);
  const out: number[] = [];
  for (let lo = 0; lo < n; lo += BLOCK) {
    const hi = Math.min(n, lo + BLOCK);
    if (views.some(([a, b, w]) => a.compare(b, lo * w, hi * w, lo * w, hi * w) !== 0)) out.push(lo);
  }
  return out;
}

export class DeltaRecorder {
  private readonly owner: Int32Array;
  private readonly ownerGpfn: Int32Array;
  private readonly state: Uint8Array[];
  private readonly ballooned: Uint8Array[];
  private readonly p2m: Int32Array[];
  /** All runs so far, flat. */
  readonly out: number[] = [];

  /** A blank start: every frame free, every gpfn a hole without a frame; the first `record` is the initial state. */
  constructor(hostFrames: number, gpfns: readonly number[]) {
    this.owner = new Int32Array(hostFrames).fill(FRAME_FREE);
    this.ownerGpfn = new Int32Array(hostFrames).fill(-1);
    this.state = gpfns.map((n) => new Uint8Array(n));
    this.ballooned = gpfns.map((n) => new Uint8Array(n));
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
    let i = 0;
    for (const lo of dirtyBlocks(n, [[po, owner], [pg, ownerGpfn]])) {
      // A run may have carried on past the previous block.
      for (i = Math.max(i, lo); i < Math.min(n, lo + BLOCK); i++) {
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
    }
    return runs;
  }

  private gpfns(obs: Observation): number {
    let runs = 0;
    obs.guests.forEach((g, gi) => {
      const ps = this.state[gi];
      const pb = this.ballooned[gi];
      const pp = this.p2m[gi];
      if (!ps) return;
      // The viewer compares bytes, so it shows guests whose maps are typed arrays (core/paged.ts).
      const pageState = asTyped<Uint8Array>(g.pageState, 'pageState');
      const hostBallooned = asTyped<Uint8Array>(g.hostBallooned, 'hostBallooned');
      const p2m = asTyped(g.p2m, 'p2m');
      const n = Math.min(ps.length, pageState.length, hostBallooned.length, p2m.length);
      const same = (j: number) => ps[j] === pageState[j] && pb[j] === hostBallooned[j] && pp[j] === p2m[j];
      let i = 0;
      for (const lo of dirtyBlocks(n, [[ps, pageState], [pb, hostBallooned], [pp, p2m]])) {
        for (i = Math.max(i, lo); i < Math.min(n, lo + BLOCK); i++) {
          if (same(i)) continue;
          const s = pageState[i];
          const b = hostBallooned[i];
          const f0 = p2m[i];
          let len = 1;
          while (i + len < n && !same(i + len) && pageState[i + len] === s && hostBallooned[i + len] === b && p2m[i + len] === (f0 < 0 ? f0 : f0 + len)) len++;
          for (let k = 0; k < len; k++) { ps[i + k] = s; pb[i + k] = b; pp[i + k] = f0 < 0 ? f0 : f0 + k; }
          this.out.push(gi, i, len, s | (b ? 8 : 0), f0);
          runs++;
          i += len - 1;
        }
      }
    });
    return runs;
  }
}

/** Little-endian Int32 base64, the compact form the page decodes with `atob`. */
export function int32Base64(values: readonly number[]): string {
  return Buffer.from(Int32Array.from(values).buffer).toString('base64');
}
