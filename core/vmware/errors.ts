/**
 * Stable refusal codes of the VMware family, each with a one-line meaning. Codes shared with every
 * family (guest/..., host/...) keep the world's names. A backdoor command the host refuses is not
 * a refused step: the host answered it with a status, which the `backdoor` effect carries.
 */
export const VMW_ERROR_CODES = {
  'vmware/bad-target': 'the target is not a whole number of pages from 0 up',
  'vmware/bad-entries': 'a refusal is armed for 1 to 64 entries',
  'vmware/bad-busy': 'a busy answer is armed 0 to 64 commands ahead',
  'vmware/nothing-to-migrate': 'the balloon holds no 4 KiB page that compaction could migrate',
  'vmware/no-migration': 'the testbed migrates ballooned pages only when the batched commands are granted (Linux vmballoon_migratepage would use the basic LOCK/UNLOCK otherwise)',
  'vmware/no-request': 'a hostile request came without its page numbers (the runner fills them in: properties/vmware/hostile.ts)',
  'guest/oom': 'the guest is out of memory',
  'guest/no-used-pages': 'the guest holds no used page to touch or free',
  'guest/unknown': 'no such guest in the configuration',
  'host/out-of-frames': 'the host has no free frame to back the page',
} as const;
export type VmwErrorCode = keyof typeof VMW_ERROR_CODES;
