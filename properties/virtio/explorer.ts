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
      // With guest pages of several gpfns, a target that is not a whole guest page (the arm64 bug of 2023).
      ...(g.guestPageGpfns > 1 ? [{ kind: 'set-target', guest, pages: Math.floor(g.ramPages / 2) + 1 } as Command] : []),
      { kind: 'driver', guest }, { kind: 'device', guest, queue: 'inflate' }, { kind: 'device', guest, queue: 'deflate' }, { kind: 'device', guest, queue: 'stats' },
      { kind: 'alloc', guest, pages: 1, pick: 0 }, { kind: 'free', guest, pages: 1, pick: 0 }, { kind: 'write', guest, pick: 0 }, { kind: 'read', guest, pick: 0 },
      { kind: 'reset', guest },
      ...hostileKinds.map((request): Command => ({ kind: 'hostile', guest, request, pick: 0 })),
    ];
  }),
  key: (obs) => canonicalKey(obs, SKIP),
  fingerprint: (obs) => canonicalFingerprint(obs, SKIP),
  variants: {
    'deflate-on-oom': {
      doc: 'every guest offers VIRTIO_BALLOON_F_DEFLATE_ON_OOM (5.5.3): an allocation that finds no free page deflates the balloon first',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, features: { ...g.features, deflateOnOom: true } })) }),
    },
    'host-page-16': {
      doc: 'host pages of 16 gpfns (QEMU with 64 KiB host pages under 4 KiB guest pages, scaled down): one host page holds many guest pages, so a partial discard is possible',
      apply: (c) => ({ ...c, hostPageGpfns: 16 }),
    },
    'page-64k': {
      doc: 'guest pages of 16 gpfns (64 KiB, arm64): `pages` guest pages of 16 gpfns each, and the alphabet gains a target one gpfn above half, not a whole guest page',
      apply: (c) => ({
        ...c, maxBatch: Math.max(c.maxBatch, 32), hostFrames: c.hostFrames + c.guests.reduce((n, g) => n + g.ramPages * 15, 0),
        guests: c.guests.map((g) => ({ ...g, guestPageGpfns: 16, ramPages: g.ramPages * 16, holeStart: g.holeStart * 16, holePages: g.holePages * 16, floorPages: g.floorPages * 16 })),
      }),
    },
  },
  // Where each zoo fault is found (bench/ZOO.md's explore column; test/explore/fault-configs.test.ts checks them).
  faultsAt: {
    'oom-deadlock': { notFound: 'the deadlock is a flag inside the driver that no observation shows: the out-of-memory allocation during an inflate is refused with no effect, so its state has the key of the state before it and is merged, never drained from; needs a key over the state inside the implementation (a snapshot, issue 21 part 2) rather than the observation. The random run finds it (conformance)' },
    'fill-wrong-gpfns': { guests: 1, pages: 4, depth: 1 },
    'deflate-on-reclaim': { guests: 1, pages: 4, variant: 'deflate-on-oom', depth: 6 },
    'unaligned-target': { guests: 1, pages: 4, variant: 'page-64k', depth: 1 },
    'pfn-byte-order': { guests: 1, pages: 4, depth: 1 },
    'invalid-chain-loop': { guests: 1, pages: 4, depth: 1 },
    'discard-not-propagated': { guests: 1, pages: 4, depth: 3 },
    'unbounded-balloon': { guests: 1, pages: 4, depth: 1 },
    'cancelled-busy-loop': { guests: 1, pages: 4, depth: 3 },
    'double-inflate': { guests: 1, pages: 4, depth: 7 },
    'partial-host-page-discard': { guests: 1, pages: 16, variant: 'host-page-16', depth: 2 },
    'no-ram-check': { guests: 1, pages: 4, depth: 1 },
    'no-range-check': { guests: 1, pages: 4, depth: 1 },
    'unbounded-descriptor': { guests: 1, pages: 4, depth: 1 },
    's4-restore-leak': { guests: 1, pages: 4, depth: 5 },
    'reuse-before-ack': { guests: 1, pages: 4, depth: 3 },
    'actual-before-ack': { guests: 1, pages: 4, depth: 1 },
    'pbp-kept-on-deflate': { notFound: 'its chain (inflate, deflate, the guest reusing the page, inflate again, on one host page of several gpfns) was not reached by explore --variant host-page-16 --guests 1 --pages 16 --depth 6 (every property held, stopped by the depth bound); the shrunk random counterexample has 10 commands, deeper than the explorer gets at that size. The random run finds it at 20 of 20 seeds (bench/ZOO.md)' },
    'pfn-sign-extended': { notFound: 'it needs a guest laid out with pages at or above 2^31 (properties/layout.ts, docs/LAYOUTS.md); the explorer\'s tiny configurations and variants have no layout yet, so every pfn is below 2^31 and the fault never acts. The random run finds it at 20 of 20 seeds (test/properties/layout-zoo.test.ts)' },
    'report-ignores-poison': { notFound: 'free page reporting is not in the explorer\'s alphabet yet (no report command, no reporting variant), so no report is ever sent. The random run finds it at 20 of 20 seeds (test/zoo)' },
    'report-discard-after-ack': { notFound: 'free page reporting is not in the explorer\'s alphabet yet (no report command, no reporting variant), so no report is ever sent. The random run finds it at 20 of 20 seeds (test/zoo)' },
    'restore-skips-poison': { notFound: 'it acts only on a guest that negotiated PAGE_POISON, and no configuration or variant of the explorer negotiates it yet, so no reload writes poison_val and the fault changes nothing. The random run finds it at 20 of 20 seeds (test/zoo)' },
    'poison-after-driver-ok': { notFound: 'it acts only on a guest that negotiated PAGE_POISON, and no configuration or variant of the explorer negotiates it yet, so no reload writes poison_val and the fault changes nothing. The random run finds it at 20 of 20 seeds (test/zoo)' },
    'stats-not-reposted': { guests: 1, pages: 4, depth: 1 },
    'report-unpoisoned': { notFound: 'free page reporting and PAGE_POISON are not in the explorer\'s alphabet yet (no report command, no reporting variant), so no report is ever sent. The random run finds it at 20 of 20 seeds (test/zoo)' },
  },
};
