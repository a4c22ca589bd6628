// `balloon xen` without the machine built, or with a bad flag: one clear line, exit 2, no VM.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/balloon.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

describe('balloon xen: unusable input', () => {
  it('says what to run when the Xen system is not built', () => {
    const r = run(['xen', '--runs', '1', '--seed', '1'], { BALLOON_XEN_GUEST: '/nonexistent-xen-guest' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['balloon: xen: qemu/guest-missing: Xen system not built (/nonexistent-xen-guest/xen.elf missing): run `npm run xen:setup`']);
  });

  it('refuses a bad --runs in one line', () => {
    const r = run(['xen', '--runs', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^balloon: --runs: expected a whole number/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
