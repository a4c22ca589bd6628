/**
 * How the command line asks V8 to manage its heap: allocation-site pretenuring off.
 *
 * V8 allocates an allocation site's objects straight in the old generation ("pretenures" them)
 * once a collection finds nearly all of that site's recent objects alive. A checked run misleads
 * that guess. Nearly everything a step allocates (effects, gpfn lists, verdicts) is dead by the
 * next step, yet `node --trace-pretenuring-statistics` shows sites switched to tenured with every
 * object found alive (ratio 1.0): in one long case on 2^20 frames, at the full collection that
 * building its typed arrays (memory outside the JavaScript heap) sets off; in `balloon check`,
 * 47 sites within its first two seconds (measured before properties/chart-compiled.ts bounded its
 * table). Short-lived objects then fill the old generation, each young collection scans them, and
 * the young objects they point to are promoted in turn, until the next full collection.
 *
 * Measured side by side on the 2-core machine of bench/RESULTS.md (2026-12-04):
 * - one case of 249,038 commands, 2^20 frames, one guest, unchecked: 3.0 µs a command with
 *   pretenuring, 0.78 µs without (2^19 frames: 0.8 µs either way);
 * - the campaign of `balloon check --family virtio` (10,000 cases, seed 1), seven pairs
 *   alternating: median 12.6 s with pretenuring, 10.9 s without (faster in 5 of the 7 pairs);
 *   in one run each, young collections took 1.22 s and 0.80 s, and the heap before a full
 *   collection reached 130 MB and 83 MB (32 MB after, either way);
 * - `balloon explore` (2 guests of 8 pages, 15,000 states): no difference beyond the noise.
 *
 * `v8.setFlagsFromString` changes a flag of the running isolate. This one is read when a
 * collection processes its pretenuring feedback, so setting it before the first case is enough.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

let tuned = false;

/** Switch V8's allocation-site pretenuring off for this process (once; later calls do nothing). */
export function tuneHeap(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
}

/** The share of the old generation's limit past which `heapLow` says memory is low. */
export const HEAP_LOW = 0.8;

/**
 * What V8 keeps for the young generation within `heap_size_limit`: three semi-spaces of 16 MB by
 * default (`node --max-old-space-size=256` reports a limit of 304 MB and dies of "heap out of
 * memory" with about 256 MB in use). What is left is the old generation, where kept states live.
 */
const YOUNG_RESERVE = 48 * 2 ** 20;

/** The old generation's limit in bytes (at least half of V8's whole limit, whatever the flags). */
function oldLimit(): number {
  const limit = getHeapStatistics().heap_size_limit;
  return Math.max(limit - YOUNG_RESERVE, limit / 2);
}

/**
 * Is the JavaScript heap past HEAP_LOW of its old generation's limit? `balloon explore` asks it as
 * its search grows (every state left to expand keeps a copy of system and monitors, tens of KB)
 * and ends the search with what it found, saying so, rather than dying of "heap out of memory"
 * after minutes of collections that free nothing.
 */
export function heapLow(): boolean {
  return getHeapStatistics().used_heap_size > HEAP_LOW * oldLimit();
}

/** The old generation's limit in MB, for the message that says memory ended a search. */
export const heapLimitMb = (): number => Math.round(oldLimit() / 2 ** 20);
