/**
 * `--impl` for the families without an example module (VMware, Hyper-V): the family's reference
 * loaded as a user's module holds its family's check and conforms to its charts, and a module
 * that answers one malformed field is refused with a line naming it (exit 1, the failure named,
 * no stack trace): the adapter path and the family's shape (core/<family>/shape.ts) both work.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';

let out = '';
let err = '';
beforeEach(() => {
  out = ''; err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { err += String(s); return true; });
});
afterEach(() => { vi.restoreAllMocks(); process.exitCode = undefined; });

const DIR = 'test/fixtures/adapters/families';

describe.each(['vmware', 'hyperv'])('%s through --impl', (family) => {
  it('the reference as a module holds check and conforms', async () => {
    expect(await main(['check', '--family', family, '--runs', '20', '--seed', '1', '--impl', `${DIR}/${family}-reference.ts`, '--json'])).toBe(0);
    const r = JSON.parse(out) as { ok: boolean; properties: { family: string }[] };
    expect(r.ok).toBe(true);
    expect(new Set(r.properties.map((p) => p.family))).toEqual(new Set([family]));
    out = '';
    expect(await main(['conform', '--family', family, '--runs', '20', '--seed', '1', '--impl', `${DIR}/${family}-reference.ts`])).toBe(0);
  });
});

describe('malformed answers of a VMware or Hyper-V module', () => {
  it.each([
    ['vmware', 'vmware-bad-status.ts', /result\.effects\[\d+\]\.status: expected one of success, /],
    ['hyperv', 'hyperv-bad-message.ts', /guests\[0\]\.hv\.toHost\[0\]\.free: expected a whole number, got the string "lots"/],
  ])('%s: %s is named by field', async (family, file, named) => {
    const code = await main(['check', '--family', family, '--runs', '5', '--seed', '1', '--impl', `${DIR}/${file}`]);
    expect(code).not.toBe(0);
    expect(out + err).toMatch(named);
    expect(out + err).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
