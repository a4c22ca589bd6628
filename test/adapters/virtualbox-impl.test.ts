/**
 * `--impl` for VirtualBox: the reference loaded as a user's module holds the family's check and
 * conforms to its charts; examples/virtualbox-flat (written apart from impl/virtualbox, on core
 * only) does too; and a module that answers one malformed field is refused with a line naming it
 * (no stack trace).
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();

describe.each([
  ['the reference', 'test/fixtures/adapters/families/virtualbox-reference.ts'],
  ['examples/virtualbox-flat', 'examples/virtualbox-flat/index.ts'],
])('VirtualBox through --impl: %s', (_name, module) => {
  it('holds check and conforms', async () => {
    expect(await main(['check', '--family', 'virtualbox', '--runs', '40', '--seed', '1', '--impl', module, '--json'])).toBe(0);
    const r = JSON.parse(io.out) as { ok: boolean; properties: { family: string }[] };
    expect(r.ok).toBe(true);
    expect(new Set(r.properties.map((p) => p.family))).toEqual(new Set(['virtualbox']));
    io.out = '';
    expect(await main(['conform', '--family', 'virtualbox', '--runs', '40', '--seed', '1', '--impl', module])).toBe(0);
  }, 120_000);
});

it('a VirtualBox module answering a status VMMDev does not have is named by field', async () => {
  const code = await main(['check', '--family', 'virtualbox', '--runs', '5', '--seed', '1', '--impl', 'test/fixtures/adapters/families/virtualbox-bad-rc.ts']);
  expect(code).not.toBe(0);
  expect(io.out + io.err).toMatch(/result\.effects\[\d+\]\.rc: expected one of VINF_SUCCESS, /);
  expect(io.out + io.err).not.toMatch(/\n\s+at .+:\d+:\d+/);
});
