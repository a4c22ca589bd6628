/**
 * Hyper-V's word to `balloon explore` (properties/exhaustive.ts): the tiny system of
 * properties/hyperv/explore.ts (2 ranges a message, big unit 2) with `guests` guests of `pages`
 * pages whose last 2 pages are a hot-add region, host frames for all of them plus 2, and per
 * guest the alphabet of `tinyHvAlphabet` (targets, host sends and receives, the guest's driver
 * with and without a failing allocation, status, hot-add, offline, the guest program), and every hostile request of the family (pick 0). The key
 * is the whole observation but for message transaction ids (a counter that only grows).
 */
import { guestId } from '../../core/index.ts';
import { HV_HOSTILE_REQUESTS, hvGuestConfig, type HvCommand, type HvObservation, type HvSystemConfig } from '../../core/hyperv/index.ts';
import type { FamilyExplorer } from '../family.ts';
import { canonicalFingerprint, canonicalKey } from '../state-key.ts';
import { tinyHvAlphabet, tinyHvConfig } from './explore.ts';

const SKIP = new Set(['trans']);

export const hvExplorer: FamilyExplorer<HvCommand, HvObservation, HvSystemConfig> = {
  defaults: { guests: 1, pages: 6 },
  config: (guests, pages) => tinyHvConfig({
    hostFrames: guests * pages + 2,
    guests: Array.from({ length: guests }, () => hvGuestConfig({ ramPages: pages, floorPages: 1, hotAddStart: Math.max(0, pages - 2), hotAddPages: Math.min(2, pages) })),
  }),
  alphabet: (config) => config.guests.flatMap((g, i): HvCommand[] => [
    ...tinyHvAlphabet({ ...config, guests: [g] }).map((c) => ({ ...c, guest: guestId(i) })),
    ...(Object.keys(HV_HOSTILE_REQUESTS) as (keyof typeof HV_HOSTILE_REQUESTS)[]).map((request): HvCommand => ({ kind: 'hostile', guest: guestId(i), request, pick: 0 })),
  ]),
  key: (obs) => canonicalKey(obs, SKIP),
  fingerprint: (obs) => canonicalFingerprint(obs, SKIP),
};
