/**
 * A user's mistake, as every layer reports it: a bad flag, an unusable file, a broken adapter.
 * It is one line on stderr and exit 2 at the command line, with no stack trace; anything else
 * thrown is our bug and keeps its stack. It lives in core/ because adapters/, traces/ and cli/
 * all raise it, and an error belongs below everything that raises it (issue 15, section 6).
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

/**
 * Parse a whole number given by the user (a flag, an environment variable), or throw a
 * UsageError naming where it came from.
 *
 * @example
 *   intFlag('--runs', '300', 1);   // 300
 *   intFlag('--runs', '3.5', 1);   // throws: --runs: expected a whole number from 1 to …, got "3.5"
 */
export function intFlag(name: string, raw: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}
