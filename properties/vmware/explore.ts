/**
 * Exhaustive exploration of a tiny VMware system on the reference: breadth-first over a small
 * alphabet of commands, states told apart by what the charts and the shared invariants read (the
 * driver's and the host's state, size, locked set, doorbell, the allocator's page states), so the
 * space is finite. The count of states reached is pinned in a test: a change to the driver or the
 * host side shows up as a changed number.
 */
import { guestId } from '../../core/index.ts';
import { vmwGuestConfig, vmwSystemConfig, type VmwCommand, type VmwObservation, type VmwSystemConfig } from '../../core/vmware/index.ts';
import { createVmwReference } from '../../impl/vmware/index.ts';
import { exploreTiny } from '../tiny-explore.ts';

/** One guest of 2 pages, no floor, large pages of 2 gpfns, a page of 2 entries: small enough to explore in full. */
export function tinyVmwConfig(over: Partial<VmwSystemConfig> = {}): VmwSystemConfig {
  return vmwSystemConfig({
    hostFrames: 6, reservedFrames: 1, batchPages: 2, largePageGpfns: 2, maxRefused: 1,
    guests: [vmwGuestConfig({ ramPages: 2, floorPages: 0 })], ...over,
  });
}

export function tinyVmwAlphabet(config: VmwSystemConfig): VmwCommand[] {
  const g = guestId(0);
  const ram = config.guests[0].ramPages;
  return [
    { kind: 'set-target', guest: g, pages: 0 }, { kind: 'set-target', guest: g, pages: 1 }, { kind: 'set-target', guest: g, pages: ram },
    { kind: 'work', guest: g }, { kind: 'busy', guest: g, after: 0 }, { kind: 'host-reset', guest: g }, { kind: 'migrate', guest: g, pick: 0 },
    { kind: 'alloc', guest: g, pages: 1, pick: 0 }, { kind: 'free', guest: g, pages: 1, pick: 0 },
  ];
}

function key(o: VmwObservation): string {
  const g = o.guests[0];
  const { driver: d, host: h } = g.vmware;
  return JSON.stringify([
    g.target, d.size, d.target, d.resetRequired, d.large, d.doorbell, h.forgot, h.caps !== null, h.locked, h.doorbell, h.busy,
    Array.from(g.pageState).join(''), Array.from(g.hostBallooned).join(''), Array.from(g.p2m).map((f) => (f < 0 ? '-' : '+')).join(''),
  ]);
}

/** Distinct states reached within `depth` commands, and the transitions between them. */
export function exploreVmw(config: VmwSystemConfig, depth: number): { states: number; edges: number } {
  return exploreTiny(() => createVmwReference(config), tinyVmwAlphabet(config), key, depth);
}
