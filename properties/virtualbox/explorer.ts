/**
 * VirtualBox's word to `balloon explore` (properties/exhaustive.ts): the tiny system of
 * properties/virtualbox/explore.ts (two-CPU guests, chunks of 2 pages, no floor) with `guests`
 * guests of `pages` pages (rounded to whole chunks) and host frames for all of them plus 2, per
 * guest the alphabet of `tinyVboxAlphabet` (wanted sizes, the event, the guest's step, the EMT's
 * apply, a close, the guest program) and every hostile request of the family (pick 0). The key is
 * the whole observation. (A key of its own, not exhaustive.ts's canonicalKey: importing that from
 * here closes an import cycle through runner.ts and families.ts.)
 */
import { guestId } from '../../core/index.ts';
import { VBOX_HOSTILE_REQUESTS, vboxGuestConfig, type VboxCommand, type VboxObservation, type VboxSystemConfig } from '../../core/virtualbox/index.ts';
import type { FamilyExplorer } from '../family.ts';
import { tinyVboxAlphabet, tinyVboxConfig } from './explore.ts';

export const vboxExplorer: FamilyExplorer<VboxCommand, VboxObservation, VboxSystemConfig> = {
  defaults: { guests: 1, pages: 2 },
  config: (guests, pages) => {
    const ram = Math.max(2, pages - (pages % 2));
    return tinyVboxConfig({
      hostFrames: guests * ram + 2,
      guests: Array.from({ length: guests }, () => vboxGuestConfig({ ramPages: ram, floorPages: 0, cpus: 2 })),
    });
  },
  alphabet: (config) => config.guests.flatMap((_g, i): VboxCommand[] => [
    ...tinyVboxAlphabet().map((c) => ({ ...c, guest: guestId(i) })),
    ...(Object.keys(VBOX_HOSTILE_REQUESTS) as (keyof typeof VBOX_HOSTILE_REQUESTS)[]).map((request): VboxCommand => ({ kind: 'hostile', guest: guestId(i), request, pick: 0 })),
  ]),
  key: (obs) => JSON.stringify(obs, (_k, v: unknown) => (ArrayBuffer.isView(v) ? `<${Array.prototype.join.call(v, ',')}>` : v)),
  // Where each zoo fault is found (bench/ZOO.md's explore column; test/explore/fault-configs.test.ts checks them).
  faultsAt: {
    'max-compare': { guests: 1, pages: 2, depth: 1 },
    'free-before-deflate': { guests: 1, pages: 2, depth: 4 },
    'async-read-as-done': { guests: 1, pages: 2, depth: 1 },
    'partial-inflate-counted': { guests: 1, pages: 2, depth: 1 },
    'first-page-aligned-only': { guests: 1, pages: 2, depth: 1 },
    'deflate-unchecked': { guests: 1, pages: 2, depth: 1 },
  },
};
