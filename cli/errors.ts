/**
 * Errors at the edge, for the command's own files. They are defined in core/usage.ts, below
 * adapters/ and traces/, which raise them too; this file only re-exports them so that cli/
 * keeps one short import.
 */
export { EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, UsageError, intFlag } from '../core/usage.ts';
