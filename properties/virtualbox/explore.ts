/**
 * Exhaustive exploration of a tiny VirtualBox system on the reference: breadth-first over a small
 * alphabet of commands, states told apart by what the charts and the shared invariants read (the
 * driver's and the host's state, counts, queue, event, the allocator's page states), so the space
 * is finite. The count of states reached is pinned in a test: a change to the driver or the host
 * side shows up as a changed number.
 */
import { guestId } from '../../core/index.ts';
import { vboxGuestConfig, vboxSystemConfig, type VboxCommand, type VboxObservation, type VboxSystemConfig } from '../../core/virtualbox/index.ts';
import { createVboxReference } from '../../impl/virtualbox/index.ts';
import { exploreTiny } from '../tiny-explore.ts';

/** One two-CPU guest of 2 pages, one chunk, no floor: small enough to explore in full (refusals left out: each armed one multiplies the space). */
export function tinyVboxConfig(over: Partial<VboxSystemConfig> = {}): VboxSystemConfig {
  return vboxSystemConfig({
    hostFrames: 4, reservedFrames: 1, chunkPages: 2,
    guests: [vboxGuestConfig({ ramPages: 2, floorPages: 0, cpus: 2 })], ...over,
  });
}

export function tinyVboxAlphabet(): VboxCommand[] {
  const g = guestId(0);
  return [
    { kind: 'set-target', guest: g, chunks: 0 }, { kind: 'set-target', guest: g, chunks: 1 },
    { kind: 'deliver', guest: g }, { kind: 'step', guest: g }, { kind: 'apply', guest: g },
    { kind: 'close', guest: g },
    { kind: 'alloc', guest: g, pages: 1, pick: 0 }, { kind: 'free', guest: g, pages: 1, pick: 0 },
  ];
}

function key(o: VboxObservation): string {
  const g = o.guests[0];
  const { driver: d, host: h } = g.virtualbox;
  return JSON.stringify([
    g.target, d.chunks, d.maxChunks, d.wanted, d.told, d.inFlight, d.closing, h.wanted, h.eventPending, h.ballooned, h.queue.length, h.armed,
    Array.from(g.pageState).join(''), Array.from(g.hostBallooned).join(''), Array.from(g.p2m).map((f) => (f < 0 ? '-' : '+')).join(''),
  ]);
}

/** Distinct states reached within `depth` commands, and the transitions between them. */
export function exploreVbox(config: VboxSystemConfig, depth: number): { states: number; edges: number } {
  return exploreTiny(() => createVboxReference(config), tinyVboxAlphabet(), key, depth);
}
