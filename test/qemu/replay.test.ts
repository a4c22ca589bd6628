/**
 * `balloon replay` on a trace of the real system runs it again on a fresh VM and says whether
 * the recorded failure came back. The fixture records a failure QEMU and Linux do not have (a
 * driver unload that leaves the balloon full), so the honest answer is "not reproduced", exit 1.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { qemuReady } from './guard.ts';

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; });

describe.skipIf(!qemuReady)('balloon replay of a QEMU trace (real QEMU/TCG guest)', () => {
  it('re-runs the steps on a fresh VM and reports the outcome', async () => {
    expect(await main(['replay', 'test/qemu/fixtures/unload-trace.json'])).toBe(1);
    expect(out).toContain('real QEMU guest: 512 MiB, deflate-on-oom off');
    expect(out).toMatch(/ {4}1 {2}unload\n/);
    expect(out).toContain('verdict: NOT reproduced: unload-deflates-all held on a fresh VM this time');
  }, 120_000);
});
