/**
 * Stable refusal codes of the VirtualBox family, each with a one-line meaning. A VMMDev request
 * the host fails is not a refused step: the `vmmdev` effect carries its status (VINF_SUCCESS,
 * VERR_*); these codes are for commands the testbed refuses.
 */
export const VBOX_ERROR_CODES = {
  'virtualbox/bad-target': 'the wanted size is not a whole number of chunks from 0 up',
  'virtualbox/nothing-queued': 'the host has no queued balloon change to apply (one CPU applies inside the request)',
  'virtualbox/no-request': 'a hostile request came without its addresses (the runner fills them in: properties/virtualbox/hostile.ts)',
  'virtualbox/armed-full': 'the host already fails the next 4 requests',
  'guest/oom': 'the guest is out of memory',
  'guest/no-used-pages': 'the guest holds no used page to touch or free',
  'guest/unknown': 'no such guest in the configuration',
  'host/out-of-frames': 'the host has no free frame to back the page',
} as const;
export type VboxErrorCode = keyof typeof VBOX_ERROR_CODES;

/** VBox statuses a VMMDev balloon request is answered with. */
export type VboxStatus = 'VINF_SUCCESS' | 'VERR_INVALID_PARAMETER' | 'VERR_NO_MEMORY' | 'VERR_GMM_SEED_ME';
export const vboxStatuses: readonly VboxStatus[] = ['VINF_SUCCESS', 'VERR_INVALID_PARAMETER', 'VERR_NO_MEMORY', 'VERR_GMM_SEED_ME'];
