/**
 * Xen's word to `balloon explore` (properties/exhaustive.ts): the tiny system of
 * properties/xen/explore.ts (floor 1, 2 retries, 2 s back-off cap) with `guests` HVM domains of
 * `pages` pages and host frames for all of them plus 2, and per domain the alphabet of
 * `tinyAlphabet` (targets, the balloon thread with and without the hypervisor granting, a tick of
 * the cap, the guest program, lending), and every hostile request of the family (pick 0). The key is the whole observation.
 */
import { guestId } from '../../core/index.ts';
import { XEN_HOSTILE_REQUESTS, xenGuestConfig, type XenCommand, type XenObservation, type XenSystemConfig } from '../../core/xen/index.ts';
import type { FamilyExplorer } from '../family.ts';
import { canonicalFingerprint, canonicalKey } from '../state-key.ts';
import { tinyAlphabet, tinyXenConfig } from './explore.ts';

export const xenExplorer: FamilyExplorer<XenCommand, XenObservation, XenSystemConfig> = {
  defaults: { guests: 1, pages: 4 },
  config: (guests, pages) => tinyXenConfig({
    hostFrames: guests * pages + 2,
    guests: Array.from({ length: guests }, () => xenGuestConfig({ ramPages: pages, floorPages: 1 })),
  }),
  alphabet: (config) => config.guests.flatMap((g, i): XenCommand[] => [
    ...tinyAlphabet({ ...config, guests: [g] }).map((c) => ({ ...c, guest: guestId(i) })),
    ...(Object.keys(XEN_HOSTILE_REQUESTS) as (keyof typeof XEN_HOSTILE_REQUESTS)[]).map((request): XenCommand => ({ kind: 'hostile', guest: guestId(i), request, pick: 0 })),
  ]),
  key: (obs) => canonicalKey(obs),
  fingerprint: (obs) => canonicalFingerprint(obs),
};
