/**
 * Exhaustive exploration of a tiny Xen system on the reference: breadth-first over a small
 * alphabet of commands, states told apart by the conformance abstraction, whether the thread is
 * due and how long until it wakes (up to the back-off cap; the hour-long sleeps are one value), so
 * the space is finite. The count of states reached is pinned
 * in a test: a change to the driver or the hypervisor shows up as a changed number.
 */
import { guestId } from '../../core/index.ts';
import { xenGuestConfig, xenSystemConfig, type XenCommand, type XenObservation, type XenSystemConfig } from '../../core/xen/index.ts';
import { createXenReference } from '../../impl/xen/index.ts';
import { abstractXenObservation } from '../../model/xen/index.ts';

/** One guest of 4 pages, floor 1, 2 retries, 2 s cap: small enough to explore in full. */
export function tinyXenConfig(over: Partial<XenSystemConfig> = {}): XenSystemConfig {
  return xenSystemConfig({ hostFrames: 6, reservedFrames: 1, maxRetries: 2, maxDelay: 2, guests: [xenGuestConfig({ ramPages: 4, floorPages: 1 })], ...over });
}

export function tinyAlphabet(config: XenSystemConfig): XenCommand[] {
  const g = guestId(0);
  const ram = config.guests[0].ramPages;
  return [
    { kind: 'set-target', guest: g, pages: 0 }, { kind: 'set-target', guest: g, pages: Math.floor(ram / 2) }, { kind: 'set-target', guest: g, pages: ram },
    { kind: 'thread', guest: g }, { kind: 'thread', guest: g, grant: 0 }, { kind: 'thread', guest: g, grant: 1 },
    { kind: 'tick', guest: g, seconds: config.maxDelay },
    { kind: 'alloc', guest: g, pages: 1, pick: 0 }, { kind: 'free', guest: g, pages: 1, pick: 0 },
    { kind: 'lend', guest: g, pages: 1 }, { kind: 'unlend', guest: g, pages: 1 },
  ];
}

/** The abstraction, whether the thread is due, and the time left to its wake-up up to the back-off cap ("long": the hour of DONE and ECANCELED). */
function key(o: XenObservation, cap: number): string {
  const g = o.guests[0];
  const t = g.xen.thread;
  const due = o.xen.now >= t.wakeAt || g.target - g.actual !== t.sleepCredit;
  const left = Math.max(0, t.wakeAt - o.xen.now);
  return JSON.stringify([abstractXenObservation(g), due, left > cap ? 'long' : left]);
}

/** Distinct states reached within `depth` commands, and the transitions between them. */
export function exploreXen(config: XenSystemConfig, depth: number): { states: number; edges: number } {
  const alphabet = tinyAlphabet(config);
  const seen = new Map<string, XenCommand[]>();
  const edges = new Set<string>();
  const start = createXenReference(config);
  let frontier: XenCommand[][] = [[]];
  seen.set(key(start.observe(), config.maxDelay), []);
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: XenCommand[][] = [];
    for (const path of frontier) {
      for (const c of alphabet) {
        const sys = createXenReference(config);
        for (const p of path) sys.apply(p);
        const from = key(sys.observe(), config.maxDelay);
        sys.apply(c);
        const to = key(sys.observe(), config.maxDelay);
        edges.add(`${from}->${to}`);
        if (!seen.has(to)) { seen.set(to, [...path, c]); next.push([...path, c]); }
      }
    }
    frontier = next;
  }
  return { states: seen.size, edges: edges.size };
}
