/**
 * README.md matches the code: every command it documents exists with the flags it names, every
 * command of the CLI is documented, and the set-up commands are the ones package.json runs.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/main.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

function program(): Command {
  const p = new Command('balloon');
  for (const c of COMMANDS) c.register(p);
  return p;
}

describe('README.md', () => {
  const rows = [...readme.matchAll(/^\| `balloon (\w+)([^`]*)` \|/gm)].map((m) => ({ name: m[1], usage: m[2] }));

  it('documents every command of the CLI, and only those', () => {
    expect(rows.map((r) => r.name).sort()).toEqual(program().commands.map((c) => c.name()).sort());
  });

  it.each(rows.map((r) => [r.name, r.usage]))('balloon %s has every flag the README names', (name, usage) => {
    const cmd = program().commands.find((c) => c.name() === name)!;
    const flags = new Set(cmd.options.map((o) => o.long));
    for (const f of usage.match(/--[a-z-]+/g) ?? []) expect(flags, `${name} ${f}`).toContain(f);
  });

  it('gives the two set-up commands, and package.json runs what they say', () => {
    expect(readme).toContain('npm ci && npm run check');
    expect(readme).toContain('npm test');
    expect(pkg.scripts.check).toMatch(/cli\/main\.ts check/);
    expect(pkg.scripts.test).toMatch(/^vitest run/);
    for (const s of ['bench', 'bench:zoo', 'qemu:setup', 'test:qemu', 'schema']) expect(readme).toContain(`npm run ${s}`);
  });
});
