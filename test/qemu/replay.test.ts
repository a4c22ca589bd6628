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

describe.skipIf(qemuReady)('balloon replay of a QEMU trace without the test guest', () => {
  it('loads it through the one loader, prints what it would run, and stops with one line, exit 2', async () => {
    const err = vi.spyOn(process.stderr, 'write');
    expect(await main(['replay', 'test/qemu/fixtures/unload-trace.json'])).toBe(2);
    expect(out).toContain('real QEMU guest: 512 MiB, deflate-on-oom off; recorded with QEMU 7.2.22, kernel 6.1.0-56-cloud-amd64');
    expect(out).toContain('expects: unload-deflates-all to fail');
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toBe('balloon: test/qemu/fixtures/unload-trace.json: a QEMU trace needs the test guest: run npm run qemu:setup\n');
  });
});
