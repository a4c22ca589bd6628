/**
 * virtio's word to `balloon explore` (properties/exhaustive.ts): a tiny system (4 KiB guest pages,
 * host page of one gpfn, batches of 2, floor 1, a one-gpfn MMIO hole in the middle of each guest
 * of 2 pages or more, so that `not-ram` requests name a real hole; host frames for every guest
 * page plus 2 reserved and 2 spare) and, per guest, the alphabet: three targets (empty, half,
 * all), one driver step, the device serving each queue, the guest program (alloc, free, write, read one page, pick 0),
 * a reset, and every hostile request of core/virtio/commands.ts HOSTILE_REQUESTS (pick 0).
 * The key is the whole observation except buffer ids (a counter that only grows: two runs that
 * number their buffers differently are in the same state).
 */
import { guestId, guestConfig, hostileKinds, systemConfig, type Command, type Observation, type SystemConfig } from '../../core/virtio/index.ts';
import type { FamilyExplorer } from '../family.ts';
import { canonicalFingerprint, canonicalKey } from '../state-key.ts';

const SKIP = new Set(['id']);

export const virtioExplorer: FamilyExplorer<Command, Observation, SystemConfig> = {
  defaults: { guests: 1, pages: 4 },
  config: (guests, pages) => systemConfig({
    hostFrames: guests * pages + 4, reservedFrames: 2, hostPageGpfns: 1, maxBatch: 2,
    guests: Array.from({ length: guests }, () => guestConfig({ ramPages: pages, floorPages: 1, ...(pages >= 2 ? { holeStart: Math.floor(pages / 2), holePages: 1 } : {}) })),
  }),
  alphabet: (config) => config.guests.flatMap((g, i): Command[] => {
    const guest = guestId(i);
    return [
      { kind: 'set-target', guest, pages: 0 }, { kind: 'set-target', guest, pages: Math.floor(g.ramPages / 2) }, { kind: 'set-target', guest, pages: g.ramPages },
      { kind: 'driver', guest }, { kind: 'device', guest, queue: 'inflate' }, { kind: 'device', guest, queue: 'deflate' }, { kind: 'device', guest, queue: 'stats' },
      { kind: 'alloc', guest, pages: 1, pick: 0 }, { kind: 'free', guest, pages: 1, pick: 0 }, { kind: 'write', guest, pick: 0 }, { kind: 'read', guest, pick: 0 },
      { kind: 'reset', guest },
      ...hostileKinds.map((request): Command => ({ kind: 'hostile', guest, request, pick: 0 })),
    ];
  }),
  key: (obs) => canonicalKey(obs, SKIP),
  fingerprint: (obs) => canonicalFingerprint(obs, SKIP),
};
