/**
 * The Xen bug zoo: named switches that put the mechanism of a real bug from the history of
 * Linux drivers/xen/balloon.c or Xen xen/common/memory.c back into the reference. All are off by
 * default and cost one boolean test when off. A fault changes the implementation only: the
 * properties, the workload and the model stay as they are.
 */
export interface XenFaultInfo {
  /** What goes wrong, in the implementation's terms. */
  doc: string;
  /** Where the real bug was found and fixed: commit, advisory. */
  reference: string;
  /** What the switch puts back. */
  putsBack: string;
  /** Properties expected to catch it (any one of them counts). */
  catches: readonly string[];
}

export const XEN_FAULTS = {
  'unbounded-balloon-down': {
    doc: 'the balloon thread takes as many pages as the credit asks, ignoring what the guest can spare',
    reference: 'XSA-300 (2019): Linux balloon_thread now bounds a balloon-down step by si_mem_available()',
    putsBack: 'balloon.ts decreaseStep: no floor bound',
    catches: ['xen-floors', 'conformance'],
  },
  'cancelled-busy-loop': {
    doc: 'after a cancelled action (BP_ECANCELED) the thread is runnable at once instead of sleeping until the credit changes',
    reference: 'Linux "xen/balloon: fix cancelled balloon action" (2021)',
    putsBack: 'balloon.ts sleep: the ECANCELED timeout is zero',
    catches: ['xen-backs-off', 'conformance'],
  },
  'misaligned-extent': {
    doc: 'the hypervisor does not check a gpfn against its extent order and acts on the aligned extent around it, gpfns the guest never named',
    reference: 'XSA-388 (2021): PoD operations on misaligned GFNs',
    putsBack: 'hypervisor.ts extent: no alignment check; the extent is rounded down',
    catches: ['xen-bad-requests-change-nothing', 'conformance'],
  },
  'unbounded-order': {
    doc: 'the hypervisor takes any extent order a guest names, so one extent covers more than the guest\'s memory',
    reference: 'XSA-31 (2012, "memop: limit guest specified extent order") and XSA-158 (2015, "memory: split and tighten maximum order permitted in memops")',
    putsBack: 'hypervisor.ts memoryOp: no order check; the extent is clipped to the domain',
    catches: ['xen-bad-requests-change-nothing', 'conformance'],
  },
  'preempt-no-progress': {
    doc: 'decrease_reservation checks for preemption before its first extent, so with a preemption pending each continuation does nothing and the guest hangs in the hypercall',
    reference: 'Xen commit 79de2d31f1 "mm: ensure useful progress in decrease_reservation" (2014)',
    putsBack: 'hypervisor.ts memoryOp: the preemption check comes before the first extent',
    catches: ['xen-progress', 'conformance'],
  },
  'guest-pod-populate': {
    doc: 'the hypervisor lets a guest populate PoD entries for itself, growing its entries past what the toolstack set up',
    reference: 'Xen commit 2a99aa99fc "xen/physmap: Do not permit a guest to populate PoD pages for itself" (2016)',
    putsBack: 'hypervisor.ts memoryOp: the PoD flag is honoured from a guest',
    catches: ['xen-bad-requests-change-nothing', 'conformance'],
  },
  'count-asked-not-done': {
    doc: 'after a short populate_physmap the driver moves every page it asked for out of the balloon and counts them in current_pages, not the extents done',
    reference: 'Linux balloon.c increase_reservation accounts only the rc extents the hypervisor populated; the Xen sheet of this project: "only those pages leave the balloon"',
    putsBack: 'balloon.ts increaseStep: uses the count asked',
    catches: ['xen-counters-match', 'xen-balloon-pages-untouched', 'conformance'],
  },
  'stale-pv-p2m': {
    doc: 'a PV guest gives pages back without first invalidating its own p2m entries, so its p2m still names the freed frames',
    reference: 'Linux balloon.c decrease_reservation resets the kernel mapping and p2m of each page before XENMEM_decrease_reservation (xenmem_reservation_va_mapping_reset, __set_phys_to_machine)',
    putsBack: 'balloon.ts decreaseStep: the PV p2m is left as it was',
    catches: ['xen-pv-p2m-agrees'],
  },
  'gfn-truncated': {
    doc: 'the frame list handed to decrease_reservation and populate_physmap holds 32-bit entries, so a gfn of 2^32 or more reaches Xen as its low 32 bits: another page of the guest, or none',
    reference: 'Linux drivers/xen/balloon.c declared frame_list as unsigned long, while XENMEM_decrease_reservation reads xen_pfn_t extents (64 bits on Arm even where unsigned long is 32); it became static xen_pfn_t frame_list[] in the Arm port (2012; commit title not verified)',
    putsBack: 'hypervisor.ts read: each gfn keeps only its low 32 bits',
    catches: ['xen-requests-well-formed', 'xen-bad-requests-change-nothing', 'xen-balloon-pages-untouched', 'data-oracle', 'xen-counters-match', 'isolation', 'xen-frames', 'conformance'],
  },
  'cancel-forgets-lent': {
    doc: 'when a rise finds the balloon empty, the driver cuts target_pages to current_pages and forgets the ballooned pages lent to backends, so pages a backend gives back later stay ballooned although the toolstack asked for them (a chain on one gpfn: a balloon-down gives it back, a backend borrows it, a rise gives back the rest of the balloon, and the next pass finds the balloon empty and cancels with the target cut short)',
    reference: 'Linux c673ec61ade8 "xen/balloon: fix ballooned page accounting without hotplug enabled" (Juergen Gross, 2019, reported by Nicholas Tsirakis): reserve_additional_memory without CONFIG_XEN_BALLOON_MEMORY_HOTPLUG now sets target_pages to current_pages + target_unpopulated',
    putsBack: 'balloon.ts noHotplug: the target is cut to current_pages alone',
    catches: ['conformance'],
  },
  'failed-lend-counted': {
    doc: 'a loan the balloon cannot fill gives back the pages it took but leaves the ones it could not take counted as lent (target_unpopulated), so the next rise that finds the balloon empty sets a target above what the guest has and lends (a chain: a loan that fails, a balloon-down, a loan, a rise that gives back the rest of the balloon and cancels with the target too high)',
    reference: 'Linux 1951fa33ec25 "xen/balloon: fix accounting in alloc_xenballooned_pages error path" (Roger Pau Monné, 2020, Cc stable): target_unpopulated is incremented with nr_pages at the start, the error path only subtracted the pgno pages it freed',
    putsBack: 'balloon.ts lendPages: a failed loan leaves its shortfall in unpopulated',
    catches: ['conformance'],
  },
} as const satisfies Record<string, XenFaultInfo>;

export type XenFaultName = keyof typeof XEN_FAULTS;
export const xenFaultNames = Object.keys(XEN_FAULTS) as XenFaultName[];
export type XenFaults = Readonly<Record<XenFaultName, boolean>>;

export function xenFaultSet(names: readonly string[] = []): XenFaults {
  const f = Object.fromEntries(xenFaultNames.map((n) => [n, false])) as Record<XenFaultName, boolean>;
  for (const n of names) {
    if (!(n in XEN_FAULTS)) throw new RangeError(`unknown Xen fault ${JSON.stringify(n)}; known: ${xenFaultNames.join(', ')}`);
    f[n as XenFaultName] = true;
  }
  return f;
}
