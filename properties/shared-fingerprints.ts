/**
 * The visited set of `balloon explore --workers` (cli/explore/): 64-bit state fingerprints
 * (state-key.ts) in a SharedArrayBuffer that every worker thread reads and writes, open
 * addressing with linear probing, slots claimed by Atomics.compareExchange (no lock).
 *
 * A slot is four 32-bit words: a tag (0 empty, -1 being written, depth + 1 once written), the
 * fingerprint's two halves, and a rank: the position of the edge that found it in the order the
 * single-threaded search takes its edges (parent's position in its level × alphabet + command).
 * A state found again at the depth it was first found keeps the smallest rank (an atomic
 * minimum), so once a level is done its owner is the edge the single-threaded search would have
 * met first, whichever thread ran first: the result does not depend on the number of workers or
 * on their timing.
 *
 * The table does not grow while threads use it: the coordinator sizes it between levels (at most
 * half full with every edge of the level new: `ensure`), when no thread is writing.
 */
import type { Fingerprint } from './state-key.ts';

const STRIDE = 4;
const TAG = 0, HI = 1, LO = 2, RANK = 3;
const WRITING = -1;

/** What an insertion found: a state of an earlier level, a new state, or one of this level (kept: this rank is now the smallest so far). */
export type Insertion = 'old' | 'new' | 'kept' | 'lost';

export class SharedFingerprints {
  private words: Int32Array;
  constructor(readonly buffer: SharedArrayBuffer) { this.words = new Int32Array(buffer); }

  /** An empty table of `slots` slots (rounded up to a power of two). */
  static create(slots: number): SharedFingerprints {
    let n = 1024;
    while (n < slots) n *= 2;
    return new SharedFingerprints(new SharedArrayBuffer(n * STRIDE * 4));
  }

  get slots(): number { return this.words.length / STRIDE; }

  private start(f: Fingerprint): number { return (f.lo ^ Math.imul(f.hi, 0x9e3779b1)) & (this.slots - 1); }

  /** The slot of `f` once written (waiting for a writer that has claimed it), or -1 at an empty slot: where it would go. */
  private find(f: Fingerprint, claim: (slot: number) => boolean): number {
    const w = this.words;
    const hi = f.hi | 0, lo = f.lo | 0;
    for (let i = this.start(f); ; i = (i + 1) & (this.slots - 1)) {
      const at = i * STRIDE;
      let tag = Atomics.load(w, at + TAG);
      if (tag === 0) {
        if (claim(at)) return -1;
        tag = Atomics.load(w, at + TAG);
        if (tag === 0) return -1;
      }
      while (tag === WRITING) tag = Atomics.load(w, at + TAG);
      if (Atomics.load(w, at + HI) === hi && Atomics.load(w, at + LO) === lo) return at;
    }
  }

  /** Records that the edge of `rank` reached `f` at `depth` (see Insertion). */
  insert(f: Fingerprint, depth: number, rank: number): Insertion {
    const w = this.words;
    const at = this.find(f, (slot) => {
      if (Atomics.compareExchange(w, slot + TAG, 0, WRITING) !== 0) return false;
      Atomics.store(w, slot + HI, f.hi | 0); Atomics.store(w, slot + LO, f.lo | 0); Atomics.store(w, slot + RANK, rank);
      Atomics.store(w, slot + TAG, depth + 1);
      return true;
    });
    if (at < 0) return 'new';
    if (Atomics.load(w, at + TAG) - 1 < depth) return 'old';
    for (;;) {
      const cur = Atomics.load(w, at + RANK);
      if (rank >= cur) return 'lost';
      if (Atomics.compareExchange(w, at + RANK, cur, rank) === cur) return 'kept';
    }
  }

  /** The smallest rank recorded for `f`, or -1 when it is not in the table. */
  rankOf(f: Fingerprint): number {
    const at = this.find(f, () => false);
    return at < 0 ? -1 : Atomics.load(this.words, at + RANK);
  }

  /** The ranks of the states first found at `depth`, ascending (only between levels). */
  ranksAt(depth: number): number[] {
    const out: number[] = [];
    for (let at = 0; at < this.words.length; at += STRIDE) if (this.words[at + TAG] === depth + 1) out.push(this.words[at + RANK]);
    return out.sort((a, b) => a - b);
  }

  /** This table, or a bigger copy when `states` would fill more than half of it (only between levels). */
  ensure(states: number): SharedFingerprints {
    if (states * 2 <= this.slots) return this;
    const t = SharedFingerprints.create(states * 2);
    const w = this.words, v = t.words;
    for (let at = 0; at < w.length; at += STRIDE) {
      if (w[at + TAG] <= 0) continue;
      const f = { hi: w[at + HI] >>> 0, lo: w[at + LO] >>> 0 };
      for (let i = t.start(f); ; i = (i + 1) & (t.slots - 1)) {
        if (v[i * STRIDE + TAG] !== 0) continue;
        v.set(w.subarray(at, at + STRIDE), i * STRIDE);
        break;
      }
    }
    return t;
  }
}
