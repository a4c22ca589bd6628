import { WORLD_ERROR_CODES } from '../world.ts';
import { HINT_ERRORS } from './hinting.ts';

/**
 * Stable error codes, namespaced by who refuses: a value, never an exception, inside the core.
 * They appear in step results, traces and reports, so renaming one is a breaking change.
 */
export const ERROR_CODES = {
  'balloon/gpfn-out-of-range': 'the gpfn lies past the end of the guest\'s memory',
  'balloon/gpfn-not-ram': 'the gpfn is not RAM (MMIO hole)',
  'balloon/gpfn-duplicate': 'the gpfn appears twice in one buffer',
  'balloon/gpfn-already-ballooned': 'the host already holds the gpfn in the balloon',
  'balloon/gpfn-not-ballooned': 'the host does not hold the gpfn in the balloon',
  'balloon/oversized-batch': 'the buffer holds more gpfns than the batch limit',
  'device/queue-empty': 'there is no buffer on that queue',
  'device/no-stats-queue': 'the stats queue was not negotiated',
  'device/no-reporting-queue': 'free page reporting (PAGE_REPORTING) was not negotiated',
  'guest/nothing-to-report': 'the guest has no free page to report',
  'device/bad-target': 'the target is not a whole number of pages in range',
  'device/no-buffer': 'a hostile request came without its buffer (the runner fills in queue and gpfns: properties/hostile.ts)',
  'device/no-hinting': 'free page hinting (FREE_PAGE_HINT) was not negotiated',
  ...HINT_ERRORS,
  ...WORLD_ERROR_CODES,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;
