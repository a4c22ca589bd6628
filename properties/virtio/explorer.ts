/**
 * virtio's word to `balloon explore` (properties/exhaustive.ts): a tiny system (4 KiB guest pages,
 * host page of one gpfn, batches of 2, floor 1, a one-gpfn MMIO hole in the middle of each guest
 * of 2 pages or more, so that `not-ram` requests name a real hole; host frames for every guest
 * page plus 2 reserved and 2 spare) and, per guest, the alphabet: three targets (empty, half,
 * all), one driver step, the device serving each queue, the guest program (alloc, free, write, read one page, pick 0),
 * a reset, and every hostile request of core/virtio/commands.ts HOSTILE_REQUESTS (pick 0).
 * Variants switch on DEFLATE_ON_OOM, free page reporting (with and without PAGE_POISON, or in
 * blocks of two guest pages: a report command joins the alphabet), host pages of 4 or 16 gpfns, 64 KiB guest pages, or a layout whose
 * page frame numbers cross 2^31 (properties/layout.ts), or resets that negotiate a smaller offer
 * or see FEATURES_OK refused (`negotiation`).
 * The key is the whole observation except buffer ids (a counter that only grows: two runs that
 * number their buffers differently are in the same state).
 */
import { FEATURE_NAMES, guestId, guestConfig, hostileKinds, systemConfig, type Command, type Observation, type SystemConfig } from '../../core/virtio/index.ts';
import type { FamilyExplorer } from '../family.ts';
import { layoutFor } from '../layout.ts';
import { HINT_ALPHABET } from './hinting/explore.ts';
import { canonicalFingerprint, canonicalKey } from '../state-key.ts';

// `bytes`: a stats buffer's payload carries the guest's free memory as it was when posted; keyed,
// it would split states the rest of the observation tells apart already, and move the pinned counts.
const SKIP = new Set(['id', 'bytes']);

/** One report of one free page (pick 0) per guest (Command 'report', Linux page_reporting_cycle scaled down). */
const reportCommands = (c: SystemConfig): Command[] => c.guests.map((_g, i): Command => ({ kind: 'report', guest: guestId(i), pages: 1, pick: 0 }));

/** Every step of the hinting harness's alphabet (smallest arguments) per guest. */
const hintCommands = (c: SystemConfig): Command[] => c.guests.flatMap((_g, i) => HINT_ALPHABET.map((op): Command => ({ kind: 'hint', guest: guestId(i), op })));

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
  // Guests of one configuration are alike to the reference (impl/virtio/system.ts steps guest i's
  // driver and device with no look at the others) and its host hands out frames from a stack
  // (impl/host.ts): `balloon explore --symmetry` may key states up to both. No frame numbers
  // beyond p2m and dmaView (buffers carry gpfns, which stay the guest's own).
  symmetry: { skip: [...SKIP] },
  variants: {
    'deflate-on-oom': {
      doc: 'every guest offers VIRTIO_BALLOON_F_DEFLATE_ON_OOM (5.5.3): an allocation that finds no free page deflates the balloon first',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, features: { ...g.features, deflateOnOom: true } })) }),
    },
    'host-page-16': {
      doc: 'host pages of 16 gpfns (QEMU with 64 KiB host pages under 4 KiB guest pages, scaled down): one host page holds many guest pages, so a partial discard is possible',
      apply: (c) => ({ ...c, hostPageGpfns: 16 }),
    },
    reporting: {
      doc: 'every guest negotiates PAGE_REPORTING (VIRTIO 1.2 5.5.6.7): a reporting queue, and the alphabet gains a report of one free page (pick 0) per guest',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, features: { ...g.features, pageReporting: true } })) }),
      extra: reportCommands,
    },
    'reporting-order': {
      doc: 'every guest negotiates PAGE_REPORTING with report order 1 (core/virtio/reporting.ts: reports in aligned blocks of 2 guest pages, Linux page_reporting_order scaled down; statement 62); the alphabet gains a report of one free page (pick 0), which takes the block it lies in',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, reportOrder: 1, features: { ...g.features, pageReporting: true } })) }),
      extra: reportCommands,
    },
    'reporting-poison': {
      doc: 'PAGE_REPORTING and PAGE_POISON (5.5.6.7, 5.5.6.6.1): the guest fills free pages with poison_val, so a reported page must keep it (5.5.6.7.2); the alphabet gains a report of one free page',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, features: { ...g.features, pageReporting: true, pagePoison: true } })) }),
      extra: reportCommands,
    },
    negotiation: {
      doc: 'PAGE_REPORTING and PAGE_POISON (a guest that poisons its free pages), and the alphabet gains a report of one free page and resets that negotiate again: one per feature the device withholds from its offer, and one whose first FEATURES_OK the device refuses (core/virtio/negotiation.ts)',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, features: { ...g.features, pageReporting: true, pagePoison: true } })) }),
      extra: (c) => [
        ...reportCommands(c),
        ...c.guests.flatMap((g, i): Command[] => [
          ...FEATURE_NAMES.filter((n) => g.features[n] === true).map((n): Command => ({ kind: 'reset', guest: guestId(i), withhold: [n] })),
          { kind: 'reset', guest: guestId(i), refuse: true },
        ]),
      ],
    },
    hinting: {
      doc: 'every guest negotiates FREE_PAGE_HINT (VIRTIO 1.2 5.5.6.5): the alphabet gains every hinting step of the hinting harness (properties/virtio/hinting/explore.ts HINT_ALPHABET) per guest',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => ({ ...g, features: { ...g.features, freePageHint: true } })) }),
      extra: hintCommands,
    },
    'straddle-2^31': {
      doc: 'every guest laid out as a real machine (properties/layout.ts): low RAM at 0, the rest from just below pfn 2^31 on, so the queues carry page frame numbers with bit 31 set (VIRTIO 1.2 5.5.6: le32)',
      apply: (c) => ({ ...c, guests: c.guests.map((g) => { const layout = layoutFor(g, 'straddle-2^31', false, 32, 1); return layout ? { ...g, layout } : g; }) }),
    },
    'host-page-4': {
      doc: 'host pages of 4 gpfns (QEMU on arm64 with 16 KiB host pages under 4 KiB guest pages): a host page is whole after four inflates, so a chain of inflates and deflates on one host page fits in a few commands',
      apply: (c) => ({ ...c, hostPageGpfns: 4 }),
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
    // Found through the driver's hidden flag (ReferenceSystem.hiddenKey): the refused allocation changes no observation.
    'oom-deadlock': { guests: 1, pages: 4, variant: 'deflate-on-oom', depth: 5 },
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
    'pbp-kept-on-deflate': { guests: 1, pages: 4, variant: 'host-page-4', depth: 8 },
    'pfn-sign-extended': { guests: 1, pages: 4, variant: 'straddle-2^31', depth: 1 },
    'report-ignores-poison': { guests: 1, pages: 4, variant: 'reporting-poison', depth: 1 },
    'report-discard-after-ack': { guests: 1, pages: 4, variant: 'reporting', depth: 5 },
    'report-unpoisoned': { guests: 1, pages: 4, variant: 'reporting-poison', depth: 5 },
    'report-below-order': { guests: 1, pages: 4, variant: 'reporting-order', depth: 1 },
    // Two pages: a page must be used and freed before the driver can inflate the other one the reuse needs.
    'deflate-unpoisoned': { guests: 1, pages: 2, variant: 'reporting-poison', depth: 12 },
    'restore-skips-poison': { guests: 1, pages: 4, variant: 'reporting-poison', depth: 1 },
    'poison-after-driver-ok': { guests: 1, pages: 4, variant: 'reporting-poison', depth: 1 },
    'stats-not-reposted': { guests: 1, pages: 4, depth: 1 },
    'accept-unoffered': { guests: 1, pages: 4, variant: 'negotiation', depth: 1 },
    'report-without-poison': { guests: 1, pages: 4, variant: 'negotiation', depth: 1 },
    'ignore-refusal': { guests: 1, pages: 4, variant: 'negotiation', depth: 1 },
    // Free page hinting (FREE_PAGE_HINT): the hinting steps join the alphabet; the system's hidden key holds the hinting state the observation does not show.
    'hint-id-reuse': { guests: 1, pages: 4, variant: 'hinting', depth: 2 },
    'hint-cmd-twice': { guests: 1, pages: 4, variant: 'hinting', depth: 3 },
    'hint-stale-id': { guests: 1, pages: 4, variant: 'hinting', depth: 6 },
    'hint-modify-after-done': { guests: 1, pages: 4, variant: 'hinting', depth: 7 },
    'hint-stop-skipped': { guests: 1, pages: 4, variant: 'hinting', depth: 2 },
    'hint-done-skipped': { guests: 1, pages: 4, variant: 'hinting', depth: 3 },
    // Two pages: a round over a one-page free list fits in 8 steps (with four pages the search did not get there in 500 s).
    'hint-release-uninit': { guests: 1, pages: 2, variant: 'hinting', depth: 8, maxStates: 40_000 },
    'stats-tag-twice': { guests: 1, pages: 4, depth: 1 },
    'stats-six-byte-entries': { guests: 1, pages: 4, depth: 1 },
    'stats-big-endian': { guests: 1, pages: 4, depth: 1 },
    'stats-unknown-tag-rejects': { guests: 1, pages: 4, depth: 1 },
    'stats-in-order-only': { guests: 1, pages: 4, depth: 1 },
    'stats-subset-changes': {
      notFound: 'the state key leaves out stats payloads (SKIP in properties/virtio/explorer.ts), so the state after the driver re-posts a trimmed buffer is the initial state, already visited; the random campaign finds it (bench/ZOO.md)',
    },
  },
};
