/**
 * VMware's word to `balloon explore` (properties/exhaustive.ts): the tiny system of
 * properties/vmware/explore.ts (batches of 2, 2-gpfn large pages, 1 refusal kept) with `guests`
 * guests of `pages` pages and host frames for all of them plus 2, and per guest the alphabet of
 * `tinyVmwAlphabet` (targets, the driver's work, a busy host, a host reset, a migration, the
 * guest program), and every hostile request of the family (pick 0). The key is the whole
 * observation.
 */
import { guestId } from '../../core/index.ts';
import { VMW_HOSTILE_REQUESTS, vmwGuestConfig, type VmwCommand, type VmwObservation, type VmwSystemConfig } from '../../core/vmware/index.ts';
import type { FamilyExplorer } from '../family.ts';
import { canonicalFingerprint, canonicalKey } from '../state-key.ts';
import { tinyVmwAlphabet, tinyVmwConfig } from './explore.ts';

export const vmwExplorer: FamilyExplorer<VmwCommand, VmwObservation, VmwSystemConfig> = {
  defaults: { guests: 1, pages: 2 },
  config: (guests, pages) => tinyVmwConfig({
    hostFrames: guests * pages + 2,
    guests: Array.from({ length: guests }, () => vmwGuestConfig({ ramPages: pages, floorPages: 0 })),
  }),
  alphabet: (config) => config.guests.flatMap((g, i): VmwCommand[] => [
    ...tinyVmwAlphabet({ ...config, guests: [g] }).map((c) => ({ ...c, guest: guestId(i) })),
    ...(Object.keys(VMW_HOSTILE_REQUESTS) as (keyof typeof VMW_HOSTILE_REQUESTS)[]).map((request): VmwCommand => ({ kind: 'hostile', guest: guestId(i), request, pick: 0 })),
  ]),
  key: (obs) => canonicalKey(obs),
  fingerprint: (obs) => canonicalFingerprint(obs),
};
