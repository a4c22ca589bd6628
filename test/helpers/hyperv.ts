import { guestId } from '../../core/index.ts';
import type { HvCommand } from '../../core/hyperv/index.ts';

/** Start-up done on both guests, a balloon of 12 pages on guest 0, then an unballoon of 5 sent in 3 parts and left half-way (one part handled). */
export function hvHalfWayUnballoon(): HvCommand[] {
  const setup: HvCommand[] = [];
  for (const g of [0, 1].map(guestId)) setup.push({ kind: 'host-recv', guest: g }, { kind: 'guest', guest: g }, { kind: 'host-recv', guest: g }, { kind: 'guest', guest: g });
  const g0 = guestId(0);
  setup.push({ kind: 'set-target', guest: g0, pages: 12 }, { kind: 'host-send', guest: g0 }, { kind: 'guest', guest: g0 });
  for (let i = 0; i < 6; i++) setup.push({ kind: 'host-recv', guest: g0 });
  setup.push({ kind: 'set-target', guest: g0, pages: 7 }, { kind: 'host-send', guest: g0, parts: 3, span: 1 }, { kind: 'guest', guest: g0 });
  return setup;
}
