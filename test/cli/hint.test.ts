/**
 * `balloon hint`: the reference passes (exit 0), a seeded fault fails with its shrunk program
 * (exit 1), bad input is one line and exit 2, and --json parses.
 */
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
  try { return { code: await main(argv), out, err }; } finally { o.mockRestore(); e.mockRestore(); }
}

describe('balloon hint', () => {
  it('passes the reference under both profiles', async () => {
    for (const profile of ['linux', 'spec']) {
      const r = await run(['hint', '--runs', '30', '--seed', '3', '--profile', profile]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain('every property held');
    }
  });

  it('finds a seeded fault and prints the shrunk program', async () => {
    const r = await run(['hint', '--fault', 'hint-stale-id', '--runs', '800', '--seed', '1']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('hint-chart failed');
    expect(r.out).toMatch(/program \(shrunk, \d+ commands\):\n {2}hint-request/);
  });

  it('--json says the same as one object', async () => {
    const r = await run(['hint', '--fault', 'hint-id-reuse', '--runs', '200', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ ok: false, fault: 'hint-id-reuse', failure: { property: 'hint-chart' } });
  });

  it.each([
    [['hint', '--fault', 'nope'], /^balloon: --fault: unknown fault "nope" \(known: hint-stale-id/],
    [['hint', '--runs', '0'], /^balloon: --runs: expected a whole number from 1/],
    [['hint', '--profile', 'firecracker'], /^balloon: --profile: unknown profile "firecracker" \(known: linux, spec\)/],
  ])('bad input %j: one line, exit 2', async (argv, line) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(line);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
});
