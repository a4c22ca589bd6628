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
  variants: {
    'no-batching': {
      doc: 'the host grants BATCHED_2M_CMDS without BATCHED_CMDS (vmballoon_send_start uses 2 MiB pages only with both)',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, caps: { ...g.caps, batched: false, large: true } })) }),
    },
    'high-ppn': {
      doc: 'RAM above 4 GiB (page numbers past 32 bits) and no batching, so a page number travels in the 32-bit register (vmballoon_lock_op)',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, ppnBase: 2 ** 32, caps: { ...g.caps, batched: false, large: false } })) }),
    },
    refusals: {
      doc: 'the host refuses the next two lock entries as pinned (the refused-pages path of vmballoon_inflate)',
      apply: (c) => c,
      extra: (c) => c.guests.map((_g, i): VmwCommand => ({ kind: 'refuse', guest: guestId(i), status: 'pinned', entries: 2 })),
    },
    'busy-after-start': {
      doc: 'the host answers the command after next BUSY: START succeeds and VMCI_DOORBELL_SET fails (vmballoon_vmci_init checks its status)',
      apply: (c) => c,
      extra: (c) => c.guests.map((_g, i): VmwCommand => ({ kind: 'busy', guest: guestId(i), after: 1 })),
    },
  },
  // Where each zoo fault is found (bench/ZOO.md's explore column; test/explore/fault-configs.test.ts checks them).
  faultsAt: {
    'large-without-batching': { guests: 1, pages: 2, variant: 'no-batching', depth: 0 },
    // Found through the host's hidden countdown (VmwReferenceSystem.hiddenKey): `busy after 1` and `busy after 0` look alike.
    'doorbell-unchecked': { guests: 1, pages: 2, variant: 'busy-after-start', depth: 1 },
    'reset-keeps-locked': { guests: 1, pages: 2, depth: 3 },
    'reset-unlocks': { guests: 1, pages: 2, depth: 3 },
    'refused-leak': { guests: 1, pages: 2, variant: 'refusals', depth: 2 },
    'ppn-truncated': { guests: 1, pages: 2, variant: 'high-ppn', depth: 1 },
    'unclamped-refusals': { guests: 1, pages: 4, variant: 'refusals', depth: 4 },
  },
};
