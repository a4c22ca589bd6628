/**
 * The command line run in-process (cli/main.ts) with what it prints captured, for every test file
 * that calls `main`: `captureCli()` at the top of the file spies on stdout and stderr before each
 * test and restores them, and the exit code, after it. Read the text from the returned object.
 *
 * @example
 *   const io = captureCli();
 *   it('fails in one line', async () => { expect(await main(['chek'])).toBe(2); expect(io.err).toMatch(/^balloon: /); });
 */
import { afterEach, beforeEach, vi } from 'vitest';

export interface CapturedOutput {
  /** What the test's commands wrote to stdout and stderr so far. */
  out: string;
  err: string;
}

export function captureCli(): CapturedOutput {
  const io: CapturedOutput = { out: '', err: '' };
  beforeEach(() => {
    io.out = '';
    io.err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { io.out += String(s); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => { io.err += String(s); return true; });
  });
  afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; });
  return io;
}
