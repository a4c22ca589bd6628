/**
 * The bug zoo: named switches that put the mechanism of a real upstream balloon bug back into the
 * reference implementation. All are off by default and cost one boolean test when off. A fault
 * changes the implementation only: the properties, the workload and the model stay as they are,
 * and the zoo tests show that the general properties find each one.
 */
import { HINT_FAULTS, hintFaultNames, type HintFaultName } from './hinting.ts';

export interface FaultInfo {
  /** What goes wrong, in the implementation's terms. */
  doc: string;
  /** Where the real bug was found and fixed: commit title, pull request or advisory. */
  reference: string;
  /** Properties expected to catch it (any one of them counts). */
  catches: readonly string[];
}

/**
 * The five free page hinting faults (impl/virtio/hinting.ts), in the virtio zoo: the same switches,
 * found by `balloon check --family virtio --fault F` on a guest that negotiated FREE_PAGE_HINT.
 * In the family the hinting chart is stepped by conformance, so what the hinting harness calls
 * hint-chart is conformance here.
 */
const hintFaults = Object.fromEntries(hintFaultNames.map((n) => [n, {
  ...HINT_FAULTS[n], catches: HINT_FAULTS[n].catches.map((c) => (c === 'hint-chart' ? 'conformance' : c)),
}])) as unknown as Record<HintFaultName, FaultInfo>;

export const FAULTS = {
  'oom-deadlock': {
    doc: 'an OOM deflate while an inflate holds the balloon lock (waiting for its acknowledgement) blocks the driver forever',
    reference: 'Linux "virtio_balloon: fix deadlock on OOM" (2017)',
    catches: ['progress', 'convergence', 'conformance'],
  },
  'fill-wrong-gpfns': {
    doc: 'the inflate buffer names the gpfns of the page after each page taken, so pages still in use are handed to the host',
    reference: 'Linux "virtio_balloon: fix increment of vb->num_pfns in fill_balloon()" (2017)',
    catches: ['requests-well-formed', 'host-drops-only-ballooned', 'data-oracle', 'balloon-pages-untouched', 'conformance'],
  },
  'deflate-on-reclaim': {
    doc: 'with DEFLATE_ON_OOM the balloon deflates under ordinary memory pressure (a shrinker), then the worker re-inflates: a busy loop',
    reference: 'Linux "virtio-balloon: switch back to OOM handler for VIRTIO_BALLOON_F_DEFLATE_ON_OOM" (2020), reverting "virtio_balloon: replace oom notifier with shrinker"',
    catches: ['deflate-only-when-asked', 'convergence', 'conformance'],
  },
  'unaligned-target': {
    doc: 'on 64 KiB guest pages the driver aims at the raw target and rounds every batch up to whole pages, so actual oscillates around an unaligned target',
    reference: 'Linux "virtio-balloon: Fix endless deflation and inflation on arm64" (2023)',
    catches: ['convergence', 'progress', 'conformance'],
  },
  'pfn-byte-order': {
    doc: 'gpfns are sent byte-swapped (the legacy format on a virtio-1 device), so they name the wrong pages',
    reference: 'Linux "virtio_balloon: fix PFN format for virtio-1" (2016)',
    catches: ['requests-well-formed', 'counters-match', 'conformance'],
  },
  'pfn-sign-extended': {
    doc: 'the device reads each 32-bit page frame number as a signed int and widens it to a 64-bit address, so a pfn of 2^31 or more becomes an address no RAM has and the page is skipped: still backed, though the driver counts it ballooned',
    reference: 'QEMU hw/virtio/virtio-balloon.c virtio_balloon_handle_output as of 2010-2013: pa = (ram_addr_t)ldl_p(&pfn) << VIRTIO_BALLOON_PFN_SHIFT, where ldl_p returns int; a page the lookup does not find is skipped (continue). Later QEMU reads the pfn as unsigned',
    catches: ['effects-agree', 'conformance', 'counters-match', 'purpose', 'convergence', 'command-contract'],
  },
  'invalid-chain-loop': {
    doc: 'a buffer with an out-of-range gpfn or too many entries makes the device loop on it: it is never acknowledged and the queue stalls',
    reference: 'Firecracker PR #2358 "balloon: fix possible loop in inflation process" (2020)',
    catches: ['progress', 'convergence', 'conformance', 'command-contract'],
  },
  'discard-not-propagated': {
    doc: 'an inflate returns the frame to the host but leaves the guest\'s p2m mapping it, so the frame is reused while still mapped',
    reference: 'Firecracker issue #5021 and related fixes: a ballooned frame was not released in every host tracker',
    catches: ['no-double-mapping', 'frames-conserved'],
  },
  'unbounded-balloon': {
    doc: 'the driver ignores the guest\'s floor and inflates as far as the target asks, up to all of RAM',
    reference: 'Xen XSA-300 (2019): unbounded balloon-down by a guest',
    catches: ['floors-and-targets', 'conformance'],
  },
  'cancelled-busy-loop': {
    doc: 'out of free pages, the driver retries at once with an empty inflate instead of backing off: it spins',
    reference: 'Linux "xen/balloon: fix cancelled balloon action" (2021)',
    catches: ['progress', 'conformance'],
  },
  'double-inflate': {
    doc: 'the device neither drops duplicates within a buffer nor refuses gpfns it already holds, so one gpfn is counted twice',
    reference: 'QEMU and cloud-hypervisor discard the same gpfn twice; Firecracker PR #2336 "Add virtio-balloon sanity checks" (2020) dedups',
    catches: ['bad-requests-change-nothing', 'counters-match', 'conformance'],
  },
  'partial-host-page-discard': {
    doc: 'with host pages larger than 4 KiB the device discards the whole host page as soon as one 4 KiB part of it is inflated',
    reference: 'QEMU "virtio-balloon: Safely handle BALLOON_PAGE_SIZE < host page size" (2019)',
    catches: ['host-drops-only-ballooned', 'data-oracle'],
  },
  'no-ram-check': {
    doc: 'the device does not check that a gpfn is RAM, so gpfns in the MMIO hole are accepted into the balloon',
    reference: 'QEMU "virtio-balloon: Corrections to address verification" (2019)',
    catches: ['bad-requests-change-nothing', 'conformance'],
  },
  'no-range-check': {
    doc: 'the device does not check that a gpfn lies inside guest memory',
    reference: 'Firecracker PR #2336 "Add virtio-balloon sanity checks" (2020)',
    catches: ['bad-requests-change-nothing', 'conformance'],
  },
  'unbounded-descriptor': {
    doc: 'the device takes buffers of any length instead of capping them at the batch limit',
    reference: 'cloud-hypervisor PR #8177 "virtio-devices: balloon: Cap inflate and deflate descriptor length" (2026); Firecracker PR #5794 "fix(balloon): bound stats descriptor length"',
    catches: ['bad-requests-change-nothing', 'host-drops-only-ballooned', 'conformance'],
  },
  's4-restore-leak': {
    doc: 'on reset the driver forgets its balloon list but leaves the pages marked ballooned: the guest loses them',
    reference: 'Linux "virtio: balloon: leak / fill balloon across S4" (2012)',
    catches: ['counters-match', 'reconvergence', 'conformance'],
  },
  'reuse-before-ack': {
    doc: 'with MUST_TELL_HOST the driver frees deflated pages as it sends them, before the device acknowledges',
    reference: 'VIRTIO 1.x 5.5.6.1 (MUST_TELL_HOST); Linux leak_balloon() tells the host before release_pages_balloon() for this reason',
    catches: ['requests-well-formed', 'balloon-pages-untouched', 'conformance'],
  },
  'actual-before-ack': {
    doc: 'the driver writes actual when it sends an inflate, counting pages the device has not acknowledged',
    reference: 'VIRTIO 1.x 5.5.6.1: the driver updates actual only after the device acknowledged the buffer',
    catches: ['counters-match', 'conformance'],
  },
  'pbp-kept-on-deflate': {
    doc: 'with host pages larger than 4 KiB the device keeps its partial host page tracking across requests, and a deflate does not take its 4 KiB part off it, so later inflates on that host page reach "every part ballooned" early and discard the whole host page under parts the guest holds again (a chain of inflate, deflate, the guest\'s reuse, inflate on one host page); the reference tracks within one request',
    reference: 'QEMU b27b32391404 "virtio-balloon: Fix possible guest memory corruption with inflates & deflates" (David Gibson, 2019: a deflate now drops the partly-ballooned-page tracking; named by the Fixes: lines of 483f13524b and 1c5cfc2b71); "virtio-balloon: Use temporary PBP only" (David Hildenbrand, 2019) and "virtio-balloon: free pbp more aggressively" (MST, 2019) keep the tracking within one request',
    catches: ['host-drops-only-ballooned', 'data-oracle', 'frames-conserved', 'conformance'],
  },
  'report-ignores-poison': {
    doc: 'the device discards reported pages even though PAGE_POISON was negotiated with a poison_val that is not zero, so a poisoned free page comes back zeroed',
    reference: 'QEMU free page reporting (Duyck, QEMU 5.1): virtio_balloon_handle_report skips the discard when poison_val is set, after review found the first version dropped poisoned pages; VIRTIO 1.2 5.5.6.7.2 (statement 65)',
    catches: ['host-drops-only-ballooned', 'reported-pages-kept', 'conformance'],
  },
  'report-discard-after-ack': {
    doc: 'the device acknowledges a free page report at once and discards its pages only when it serves the next report, when the guest may be using them again',
    reference: 'VIRTIO 1.2 5.5.6.7.2 (statement 64: the device may change a reported page only before it acknowledges the report); QEMU virtio_balloon_handle_report discards before virtqueue_push',
    catches: ['host-drops-only-ballooned', 'data-oracle', 'no-double-mapping'],
  },
  'deflate-unpoisoned': {
    doc: 'with PAGE_POISON negotiated the driver hands deflated pages back to the allocator without the free path\'s poisoning, so a page the host dropped while it was in the balloon is reused holding zeroes, not poison_val',
    reference: 'VIRTIO 1.2 5.5.6.6.1 (statement 54: the driver must initialise deflated pages with poison_val when it reuses them); Linux frees deflated pages through __free_page (release_pages_balloon), whose page poisoning fills them; no upstream bug of this shape is known to the project: the fault puts the statement to the test',
    catches: ['reported-pages-kept'],
  },
  'report-unpoisoned': {
    doc: 'with PAGE_POISON negotiated the driver reports free pages without filling them with poison_val first, so a page that held data comes back with it',
    reference: 'VIRTIO 1.2 5.5.6.7.1 (statement 59); Linux virtballoon_validate drops PAGE_REPORTING when the guest poisons and PAGE_POISON is not negotiated, 2020 "virtio-balloon: Disable free page reporting if page poison reporting is not enabled"',
    catches: ['reported-pages-kept'],
  },
  'report-below-order': {
    doc: 'the driver reports free pages one guest page at a time, whatever its report order, so a report names pieces of blocks: the small reports a driver that ignores page_reporting_order sends',
    reference: 'VIRTIO 1.2 5.5.6.7.1 (statement 62: report large blocks rather than small ones); Linux reports only free buddy blocks of page_reporting_order and up (mm/page_reporting.c page_reporting_register, pageblock_order by default; virtio_balloon sets order 5 on arm64 with 64 KiB pages, 2021 "virtio_balloon: Specify page reporting order if needed"), and Hyper-V\'s cold memory discard refuses orders below 9 (hv_balloon falls back to pageblock_order); no upstream bug of this shape is known to the project: the fault puts the linux narrowing to the test',
    catches: ['report-blocks'],
  },
  'restore-skips-poison': {
    doc: 'after a reset the reloaded driver sets DRIVER_OK without writing poison_val again; the reset zeroed it, so the device takes the guest for one that does not poison and discards reported pages, which come back zeroed instead of poisoned',
    reference: 'Linux virtballoon_restore (CONFIG_PM_SLEEP) runs init_vqs and virtio_device_ready with no poison_val write, while QEMU virtio_balloon_device_reset zeroes it: spec review C1, reproduced on a real guest after hibernate and resume (docs/FINDINGS.md 23); VIRTIO 1.2 5.5.6.6.1 statement 55',
    catches: ['conformance', 'reported-pages-kept', 'host-drops-only-ballooned'],
  },
  'poison-after-driver-ok': {
    doc: 'the driver writes poison_val only after it has set DRIVER_OK, so the device runs for a while without it and then sees it change under DRIVER_OK',
    reference: 'VIRTIO 1.2 5.5.6.6.1 (statements 55 and 56: poison_val before DRIVER_OK, never changed while it is set); Linux virtballoon_probe writes poison_val before virtio_device_ready for this reason',
    catches: ['conformance'],
  },
  'stats-not-reposted': {
    doc: 'the driver consumes a used stats buffer and never makes another available, so the device has no buffer to report statistics in from then on',
    reference: 'VIRTIO 1.2 5.5.6.3.1 (statement 27: a new buffer after the device used one; review B2 found it modelled but never required); Linux stats_request queues stats_handle_request, which adds the buffer back after every use',
    catches: ['stats-posted'],
  },
  'stats-tag-twice': {
    doc: 'the driver writes the MEMFREE entry twice in every stats buffer (a second slot filled by a path that forgot it was already counted), so the device sees one statistic with two values',
    reference: 'VIRTIO 1.2 5.5.6.3.1 (statement 28: one entry for each statistic the driver supports); Linux update_balloon_stats fills each tag once, advancing one index; a seeded fault, no public bug known',
    catches: ['stats-entries'],
  },
  'stats-six-byte-entries': {
    doc: 'the driver sizes each stats entry at 6 bytes, as the text of 5.5.6.3.1 literally says (a le16 tag and a 32-bit value), so the device reads tags out of the middle of values',
    reference: 'VIRTIO 1.2 5.5.6.3.1 (statement 29, "a multiple of 6 bytes": an erratum, struct virtio_balloon_stat is 10 bytes packed; spec review section 5)',
    catches: ['stats-entries'],
  },
  'stats-big-endian': {
    doc: 'the driver writes each stats value in big-endian order on a modern (VIRTIO 1.x) device, where the field is a le64, so MEMTOT reads as thousands of times the guest\'s memory',
    reference: 'VIRTIO 1.2 5.5.6.3 (struct virtio_balloon_stat: le16 tag, le64 val; native order is legacy only, statement 35); Linux update_stat converts with cpu_to_virtio16 and cpu_to_virtio64, as the 2015 virtio 1.0 work made it do',
    catches: ['stats-entries'],
  },
  'stats-subset-changes': {
    doc: 'the driver leaves statistics whose value is zero out of every stats buffer after the first, so the set it reports changes from buffer to buffer',
    reference: 'VIRTIO 1.2 5.5.6.3.1 (statement 32: the same subset in every buffer; statement 31 lets it choose the subset, once); Linux update_balloon_stats writes the same tags every time, zero or not',
    catches: ['stats-entries'],
  },
  'stats-unknown-tag-rejects': {
    doc: 'the device discards a whole stats buffer that holds a tag it does not know, instead of skipping that entry, so a driver newer than the device (Linux 6.12 sends tags 10-15) has none of its statistics recorded',
    reference: 'VIRTIO 1.2 5.5.6.3.2 (statement 33: the device ignores entries with tags it does not recognise); QEMU virtio_balloon_receive_stats keeps only tag < VIRTIO_BALLOON_S_NR and goes on to the next entry; spec review section 5',
    catches: ['stats-recorded'],
  },
  'stats-in-order-only': {
    doc: 'the device expects stats entries in ascending tag order and stops reading at the first tag lower than the one before it, so Linux\'s order (the memory counters after the reclaim and hugetlb counters) loses MEMFREE, MEMTOT, AVAIL and CACHES',
    reference: 'VIRTIO 1.2 5.5.6.3.2 (statement 34: the device accepts entries in any order; statement 30 lets the driver choose it); Linux update_balloon_stats writes tags 0-3, 10-15, 8, 9 and then 4-7',
    catches: ['stats-recorded'],
  },
  'accept-unoffered': {
    doc: 'at a reload the driver accepts the features it negotiated before, whatever the device offers now, and goes on using a queue or behaviour the device no longer offers',
    reference: 'VIRTIO 1.2 2.2.1 (the driver accepts only features the device offered) and 3.1.1 step 4; Linux virtio_dev_probe masks driver features with the device\'s before finalize_features',
    catches: ['conformance', 'command-contract'],
  },
  'report-without-poison': {
    doc: 'a guest that poisons its free pages keeps PAGE_REPORTING when PAGE_POISON is not negotiated: the device discards reported pages, which come back zeroed, and the poison check at allocation finds them corrupted',
    reference: 'Linux "virtio-balloon: Disable free page reporting if page poison reporting is not enabled" (2020), virtballoon_validate; VIRTIO 1.2 5.5.3.1 statement 3 and 5.5.6.7.1 statement 58',
    catches: ['conformance', 'reported-pages-kept'],
  },
  'ignore-refusal': {
    doc: 'the device refuses FEATURES_OK and the driver goes on to DRIVER_OK as if it had been kept, with the subset the device refused',
    reference: 'VIRTIO 1.2 3.1.1 step 6 (FEATURES_OK not kept: the device is unusable with that subset) and 5.5.3.2 statement 4; Linux virtio_features_ok fails the probe',
    catches: ['conformance', 'command-contract'],
  },
  ...hintFaults,
} as const satisfies Record<string, FaultInfo>;

export type FaultName = keyof typeof FAULTS;
export const faultNames = Object.keys(FAULTS) as FaultName[];

/** One boolean per fault: what the driver and device test. */
export type Faults = Readonly<Record<FaultName, boolean>>;

/**
 * Whether `name` is a fault of the zoo: the one check, which the command line (`--fault`), trace
 * replay (`source.faults`) and `faultSet` all use, each wrapping `unknownFault` in its own error.
 * An own key only: `"constructor" in FAULTS` is true of any object literal.
 */
export const isFaultName = (name: string): name is FaultName => Object.hasOwn(FAULTS, name);

/** The problem with a name that is not a fault, in the words every caller prints. */
export const unknownFault = (name: string): string => `unknown fault ${JSON.stringify(name)} (known: ${faultNames.join(', ')})`;

/** The set of no fault, shared (frozen: nothing writes a fault set after it is made). */
const NO_FAULTS: Faults = Object.freeze(Object.fromEntries(faultNames.map((n) => [n, false])) as Record<FaultName, boolean>);

/** One boolean per fault of the zoo, true for those named; a RangeError for a name that is not one. */
export function faultSet(names: readonly string[] = []): Faults {
  // Most systems run no fault (every case of a campaign builds one): one frozen set for them all.
  if (names.length === 0) return NO_FAULTS;
  const f = Object.fromEntries(faultNames.map((n) => [n, false])) as Record<FaultName, boolean>;
  for (const n of names) {
    if (!isFaultName(n)) throw new RangeError(unknownFault(n));
    f[n] = true;
  }
  return f;
}
