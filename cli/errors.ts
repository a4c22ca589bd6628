/**
 * Errors at the edge. A user's mistake (a bad flag, an unusable file, a broken adapter) is a
 * UsageError: one line on stderr, exit 2, no stack trace. Anything else is our bug and keeps its
 * stack.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_UNUSABLE = 2;

export class UsageError extends Error {
  constructor(message: string, readonly exitCode = EXIT_UNUSABLE) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Parse a whole number flag, or throw a UsageError naming the flag. */
export function intFlag(name: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}
