/**
 * Bounded exploration of a tiny Hyper-V system on the reference: breadth-first over a small
 * alphabet of commands up to a depth, states told apart by the conformance abstraction, the
 * pages' states and backing, and the messages waiting (without their transaction ids, which only
 * count). Status reports can pile up on the channel, so the space is not finite: the depth bounds
 * it, and the count of states reached at that depth is pinned in a test: a change to the driver
 * or the host side shows up as a changed number.
 */
import { guestId, UNBACKED } from '../../core/index.ts';
import { hvGuestConfig, hvSystemConfig, type HvCommand, type HvMessage, type HvObservation, type HvSystemConfig } from '../../core/hyperv/index.ts';
import { createHvReference } from '../../impl/hyperv/index.ts';
import { abstractHvObservation } from '../../model/hyperv/index.ts';
import { exploreTiny } from '../tiny-explore.ts';

/** One 4 KiB guest of 6 pages with a 2-page hot-add region, floor 1, big unit 2, 2 ranges a message. */
export function tinyHvConfig(over: Partial<HvSystemConfig> = {}): HvSystemConfig {
  return hvSystemConfig({
    hostFrames: 8, reservedFrames: 1, rangesPerMessage: 2, allocUnit: 2,
    guests: [hvGuestConfig({ ramPages: 6, floorPages: 1, hotAddStart: 4, hotAddPages: 2 })], ...over,
  });
}

export function tinyHvAlphabet(config: HvSystemConfig): HvCommand[] {
  const g = guestId(0);
  const ram = config.guests[0].ramPages;
  return [
    { kind: 'set-target', guest: g, pages: 0 }, { kind: 'set-target', guest: g, pages: Math.floor(ram / 2) }, { kind: 'set-target', guest: g, pages: ram },
    { kind: 'host-send', guest: g }, { kind: 'host-send', guest: g, parts: 2, span: 1 },
    { kind: 'host-recv', guest: g }, { kind: 'host-recv', guest: g, reject: true },
    { kind: 'guest', guest: g }, { kind: 'guest', guest: g, fail: true },
    { kind: 'status', guest: g }, { kind: 'hot-add', guest: g, pick: 0, pages: 1 }, { kind: 'offline', guest: g },
    { kind: 'alloc', guest: g, pages: 1, pick: 0 }, { kind: 'free', guest: g, pages: 1, pick: 0 },
  ];
}

const shape = (m: HvMessage): unknown => {
  const { trans: _t, ...rest } = m;
  void _t;
  return m.type === 'status' ? 'status' : rest;
};

function key(o: HvObservation): string {
  const g = o.guests[0];
  const backed = Array.from(g.p2m, (f) => (f === UNBACKED ? 0 : 1)).join('');
  return JSON.stringify([
    abstractHvObservation(g), Array.from(g.pageState).join(''), Array.from(g.hostBallooned).join(''), backed,
    g.hv.toGuest.map(shape), g.hv.toHost.map(shape), g.hv.host.stalled, g.hv.version, g.hv.added,
  ]);
}

/** Distinct states reached within `depth` commands, and the transitions between them. */
export function exploreHv(config: HvSystemConfig, depth: number): { states: number; edges: number } {
  return exploreTiny(() => createHvReference(config), tinyHvAlphabet(config), key, depth);
}
