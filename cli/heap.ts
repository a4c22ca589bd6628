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
import { setFlagsFromString } from 'node:v8';

let tuned = false;

/** Switch V8's allocation-site pretenuring off for this process (once; later calls do nothing). */
export function tuneHeap(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--no-allocation-site-pretenuring');
}
