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
import { layoutFor } from '../layout.ts';
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
  variants: {
    pv: {
      doc: 'every domain paravirtualised: the guest keeps its own p2m, which the balloon must invalidate before it gives pages back (Linux balloon.c decrease_reservation)',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, mode: 'pv' as const })) }),
    },
    'at-2^32': {
      doc: 'every domain laid out as a real machine (properties/layout.ts): low RAM at 0, the rest from gfn 2^32 on (16 TiB), so a gfn differs from its low 32 bits only past bit 31 (XENMEM_decrease_reservation reads xen_pfn_t extents, 64 bits)',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => { const layout = layoutFor(g, 'at-2^32', false, 64, 1); return layout ? { ...g, layout } : g; }) }),
    },
    preempt: {
      doc: 'the balloon thread with a preemption pending in the hypervisor (hypercall continuation, Xen memory.c decrease_reservation)',
      apply: (c) => c,
      extra: (c) => c.guests.map((_g, i): XenCommand => ({ kind: 'thread', guest: guestId(i), preempt: true })),
    },
  },
  // Where each zoo fault is found (bench/ZOO.md's explore column; test/explore/fault-configs.test.ts checks them).
  faultsAt: {
    'unbounded-balloon-down': { guests: 1, pages: 4, depth: 1 },
    'cancelled-busy-loop': { guests: 1, pages: 4, depth: 1 },
    'misaligned-extent': { guests: 1, pages: 4, depth: 1 },
    'unbounded-order': { guests: 1, pages: 4, depth: 1 },
    'preempt-no-progress': { guests: 1, pages: 4, variant: 'preempt', depth: 2 },
    'guest-pod-populate': { guests: 1, pages: 4, depth: 1 },
    'count-asked-not-done': { guests: 1, pages: 4, depth: 4 },
    'stale-pv-p2m': { guests: 1, pages: 4, variant: 'pv', depth: 1 },
    'gfn-truncated': { guests: 1, pages: 4, variant: 'at-2^32', depth: 1 },
    'cancel-forgets-lent': { guests: 1, pages: 4, depth: 4 },
    // Found through the balloon's hidden count of lent pages (XenReferenceSystem.hiddenKey): a failed loan changes no observation.
    'failed-lend-counted': { guests: 1, pages: 4, depth: 5 },
  },
};
