/**
 * Stable refusal codes of the Xen family, each with a one-line meaning. Codes shared with every
 * family (guest/..., host/...) keep the world's names (core/errors.ts). Hypercall refusals name
 * the check in xen/common/memory.c that a hardened hypervisor makes.
 */
export const XEN_ERROR_CODES = {
  'xen/bad-target': 'the target is not a whole number of pages from 0 up',
  'xen/extent-order': 'the extent order is above the domain\'s maximum (memory.c: the guest-specified order limit, XSA-31/XSA-158)',
  'xen/misaligned-extent': 'the gpfn is not aligned to its extent order (XSA-388)',
  'xen/gpfn-out-of-range': 'the gpfn lies past the end of the domain\'s memory (a gpfn only another domain has)',
  'xen/not-ram': 'the gpfn lies in the domain\'s MMIO hole',
  'xen/not-populated': 'decrease_reservation of a gpfn that holds no page: already given back (guest_remove_page -ENOENT)',
  'xen/already-populated': 'populate_physmap of a gpfn that is already backed',
  'xen/pod-not-permitted': 'a guest asked to populate PoD entries for itself (memory.c: "Do not permit a guest to populate PoD pages for itself")',
  'xen/no-request': 'a hostile request came without its extents (the runner fills them in: properties/xen/hostile.ts)',
  'xen/pod-cache-empty': 'touching a PoD entry with an empty PoD cache (Xen would crash the domain: p2m_pod_demand_populate)',
  'xen/balloon-short': 'a backend asked for more ballooned pages than the balloon holds',
  'xen/nothing-lent': 'a backend returned more pages than it was lent',
  'xen/bad-tick': 'time moves forward by a whole number of seconds from 1 to 3600',
  'guest/oom': 'the guest is out of memory',
  'guest/no-used-pages': 'the guest holds no used page to touch or free',
  'guest/unknown': 'no such guest in the configuration',
  'host/out-of-frames': 'the host has no free frame to back the page',
} as const;
export type XenErrorCode = keyof typeof XEN_ERROR_CODES;
