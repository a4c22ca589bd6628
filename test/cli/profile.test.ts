/**
 * `--profile` on the command line (issue 20): it reaches check and conform, `--json` reports it,
 * a trace saved under a profile records it and `balloon replay` judges by it; a bad profile is one
 * line and exit 2.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

let out = '';
let err = '';
let dir = '';
beforeEach(() => {
  out = ''; err = '';
  dir = mkdtempSync(join(tmpdir(), 'balloon-profile-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
});
afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; rmSync(dir, { recursive: true, force: true }); });

const args = ['--family', 'virtio', '--fault', 'actual-before-ack', '--property', 'counters-match', '--runs', '200', '--seed', '5'];

describe('--profile', () => {
  it('a Linux bug legal under the spec (actual written before the ack) fails under linux and holds under spec; --json names the profile', async () => {
    expect(await main(['check', ...args, '--out', dir, '--json'])).toBe(1);
    expect(JSON.parse(out).profiles).toEqual({ virtio: 'linux' });
    out = '';
    expect(await main(['check', ...args, '--out', dir, '--json', '--profile', 'spec'])).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ ok: true, profiles: { virtio: 'spec' } });
    out = '';
    expect(await main(['conform', '--family', 'virtio', '--runs', '50', '--seed', '5', '--profile', 'firecracker', '--out', dir])).toBe(0);
    expect(out).toContain('balloon conform: family virtio, profile firecracker,');
  });

  it('a trace saved under spec records the profile, and replay judges by it', async () => {
    // Reuse before the deflate ack with MUST_TELL_HOST breaks statement 14 under every profile, spec included;
    // test/properties/profiles.test.ts shows the same trace judged differently once its profile changes.
    expect(await main(['check', '--family', 'virtio', '--fault', 'reuse-before-ack', '--runs', '300', '--seed', '5', '--out', dir, '--profile', 'spec', '--json'])).toBe(1);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    const trace = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    expect(trace.config.profile).toBe('spec');
    out = '';
    expect(await main(['replay', join(dir, files[0])])).toBe(1);
    expect(out).toMatch(/reproduced/);
  });

  it('a profile of one family holds that family; the others run their default (--json names each)', async () => {
    expect(await main(['check', '--family', 'virtio', '--family', 'hyperv', '--profile', 'careful', '--runs', '5', '--seed', '1', '--out', dir, '--json'])).toBe(0);
    expect(JSON.parse(out).profiles).toEqual({ virtio: 'linux', hyperv: 'careful' });
  }, 60_000);

  it.each([
    [['check', '--family', 'virtio', '--profile', 'nope'], /^balloon: --profile: unknown profile "nope" of family virtio; known: linux, spec, firecracker\n$/],
    [['conform', '--family', 'xen', '--profile', 'spec'], /^balloon: --profile: family xen has no profiles/],
    [['check', '--family', 'hyperv', '--profile', 'spec'], /^balloon: --profile: unknown profile "spec" of family hyperv; known: sheet, careful\n$/],
    [['check', '--family', 'virtio', '--family', 'hyperv', '--profile', 'nope'], /^balloon: --profile: no family knows profile "nope" \(virtio has: linux, spec, firecracker; hyperv has: sheet, careful\)\n$/],
  ])('refuses %j on one line, exit 2', async (argv, message) => {
    expect(await main(argv)).toBe(2);
    expect(err).toMatch(message);
  });
});
