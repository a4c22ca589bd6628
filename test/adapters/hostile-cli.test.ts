/**
 * Hostile adapters through the real command line (see hostile.test.ts for every fixture through
 * the library): check, conform and replay exit 1 or 2, never 0, print no stack trace, and their
 * `--json` output parses whatever the adapter writes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, STEP_MS, withSyntaxError } from './hostile-fixtures.ts';

// Its own copy: the two test files may run at the same time, each removing its copy after.
withSyntaxError('syntax-error-cli');
const out = mkdtempSync(join(tmpdir(), 'balloon-hostile-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Run { code: number | null; stdout: string; stderr: string }
function balloon(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile('node', ['bin/balloon.js', ...args], { cwd: resolve('.'), maxBuffer: 64 * 1024 * 1024, env: { ...process.env, FORCE_COLOR: '0' } },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** No stack trace: no "    at f (file:line)" line and no Node "Error [ERR_...]" dump. */
const STACK = /^\s+at .+[:(]\d+|node:internal|Node\.js v\d/m;
const TRACE = 'traces/corpus/deflate-on-oom.json';
const argvFor = (command: string, module: string) => (command === 'replay'
  ? ['replay', TRACE, '--impl', module, '--json', '--step-timeout', STEP_MS]
  : [command, '--impl', module, '--runs', '20', '--seed', '1', '--json', '--out', out, '--step-timeout', STEP_MS]);

const CLI_SET: [string, 1 | 2][] = [
  ['throw-null-proto', 1], ['exit-zero', 1], ['write-stdout', 1], ['wrong-type-field', 1], ['effect-flood', 1],
  ['crash-in-timer', 1], ['hang-factory', 2], ['syntax-error-cli', 2], ['config-getter-throws', 2],
];

describe.each(['check', 'conform', 'replay'])('balloon %s --impl HOSTILE --json', (command) => {
  const set = command === 'check' ? CLI_SET : CLI_SET.filter(([n]) => ['throw-null-proto', 'exit-zero', 'write-stdout', 'syntax-error-cli'].includes(n));
  it.each(set)('%s: exit %i, JSON on stdout, no stack trace', async (name, code) => {
    const r = await balloon(argvFor(command, fixture(name)));
    expect(r.code).toBe(code);
    const json = JSON.parse(r.stdout) as { ok?: boolean; exitCode?: number };
    expect(json.ok ?? json.exitCode === 0).toBe(false);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stdout).not.toMatch(STACK);
    if (name === 'write-stdout') {
      expect(r.stdout).not.toContain('adapter says hello');
      expect(r.stderr).toMatch(/^balloon: note: the implementation wrote \d+ bytes to stdout\/stderr, kept out of the report/m);
    }
  }, 180_000);
});

describe('the good adapters still pass through the command line', () => {
  it.each(['examples/array-impl/index.ts', fixture('async-ok')])('%s', async (module) => {
    const r = await balloon(['check', '--impl', module, '--runs', '20', '--seed', '1', '--json', '--out', out]);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { ok: boolean }).ok).toBe(true);
  }, 180_000);
});

describe('an adapter that mutates what it is handed corrupts neither the report nor the trace', () => {
  it.each(['mutates-command', 'mutates-config'])('%s: the saved trace replays to the same failure', async (name) => {
    const dir = join(out, name);
    const r = await balloon(['check', '--impl', fixture(name), '--runs', '20', '--seed', '1', '--json', '--out', dir, '--property', 'frames-conserved']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { counterexamples: { trace: string; commands: { guest: number }[]; config: { guests: unknown[] } }[] };
    const cx = report.counterexamples[0];
    expect(cx.commands.every((c) => c.guest < cx.config.guests.length)).toBe(true);
    const again = await balloon(['replay', cx.trace, '--impl', fixture(name), '--json']);
    expect(again.code).toBe(1);
    expect((JSON.parse(again.stdout) as { traces: { verdict: string }[] }).traces[0].verdict).toBe('reproduced');
  }, 180_000);
});
