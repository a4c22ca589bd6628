/**
 * Stable refusal codes of the Hyper-V family, each with a one-line meaning. Codes shared with
 * every family (guest/..., host/...) keep the world's names.
 */
export const HV_ERROR_CODES = {
  'hv/bad-target': 'the target is not a whole number of pages from 0 up',
  'hv/not-ready': 'the protocol has not finished start-up (version and capabilities) on this channel',
  'hv/no-message': 'nothing waits on the channel for this side',
  'hv/bad-range': 'a range names pages outside RAM, in the MMIO hole, or splits a guest page',
  'hv/overlapping-ranges': 'two ranges of one message overlap',
  'hv/not-ballooned': 'an unballoon names a page the guest has not ballooned',
  'hv/stale-transaction': 'the message answers no request that is open, or is a part of another transaction than the open one',
  'hv/outside-hot-add': 'a hot-add names pages outside the hot-add region',
  'hv/nothing-offline': 'no hot-added page is free to take offline',
  'hv/no-request': 'a hostile request came without its message (the runner fills it in: properties/hyperv/hostile.ts)',
  'hv/bad-size': 'a page count, part count or span is not a whole number in range',
  'guest/oom': 'the guest is out of memory',
  'guest/no-used-pages': 'the guest holds no used page to touch or free',
  'guest/unknown': 'no such guest in the configuration',
  'host/out-of-frames': 'the host has no free frame to back the page',
} as const;
export type HvErrorCode = keyof typeof HV_ERROR_CODES;
