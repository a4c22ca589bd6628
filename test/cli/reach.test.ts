import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

let out = '';
beforeEach(() => {
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; });

describe('balloon check --reach', () => {
  it('prints each family\'s situation table and each property\'s work after the summary', async () => {
    expect(await main(['check', '--runs', '30', '--seed', '1', '--reach', '--property', 'isolation', '--property', 'conformance'])).toBe(0);
    for (const f of ['virtio', 'xen']) expect(out).toMatch(new RegExp(`reach of family ${f}: 30 cases\\n  pair: \\d+/\\d+ reached`));
    expect(out).toMatch(/ {2}triple: \d+\/\d+ reached/);
    expect(out).toMatch(/\d+\.\d+% +30 +conformance\n/);
    expect(out).toMatch(/refused:xen\/bad-tick/);
  });

  it('--json with --reach gives per family the cases, each situation and each property\'s work', async () => {
    expect(await main(['check', '--runs', '20', '--seed', '2', '--reach', '--json', '--family', 'xen', '--property', 'isolation'])).toBe(0);
    const r = JSON.parse(out);
    expect(r.reach).toHaveLength(1);
    const x = r.reach[0];
    expect(x.family).toBe('xen');
    expect(x.cases).toBe(20);
    expect(x.situations.find((s: { name: string }) => s.name === 'inflate>write')).toMatchObject({ group: 'pair', cases: 0, unreachable: expect.stringMatching(/one gpfn/) });
    expect(x.properties).toEqual([{ name: 'isolation', cases: expect.any(Number), vacuous: false }]);
  });

  it('without --reach, --json has no reach section', async () => {
    expect(await main(['check', '--runs', '5', '--seed', '2', '--json', '--family', 'xen', '--property', 'isolation'])).toBe(0);
    expect(JSON.parse(out).reach).toBeUndefined();
  });
});
