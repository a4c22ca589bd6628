// SIGINT and SIGTERM stop check, conform and replay cleanly: the summary so far, marked
// interrupted (valid JSON under --json), every counterexample found already saved, exit 130/143.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';
import { allProperties } from '../../properties/index.ts';
import { loadTrace } from '../../traces/load.ts';

const io = captureCli();
let dir = '';
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'balloon-interrupt-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** Send `sig` to this process's listeners once `ready()` holds (polled), as the terminal would. */
function signalWhen(ready: () => boolean, sig: NodeJS.Signals): void {
  const t = setInterval(() => { if (ready()) { clearInterval(t); process.emit(sig, sig); } }, 5);
}

it('check: SIGINT after a counterexample was saved prints an interrupted summary and exits 130', async () => {
  signalWhen(() => existsSync(dir) && readdirSync(dir).length > 0, 'SIGINT');
  const code = await main(['check', '--fault', 'unaligned-target', '--seed', '3', '--runs', '1000000', '--out', dir]);
  expect(code).toBe(130);
  expect(io.out).toMatch(new RegExp(`\\nINTERRUPTED in [\\d.]+s \\(seed 3\\): \\d+ of ${allProperties.length} properties FAILED so far, \\d+ not checked to the end`));
  expect(io.out).toMatch(/interrupted\s+[\d.]+s/);
  const files = readdirSync(dir);
  expect(files.length).toBeGreaterThan(0);
  for (const f of files) expect(loadTrace(join(dir, f)).expect.verdict).toBe('fail');
  expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

it('conform --json: SIGTERM gives valid JSON with "interrupted": true and exits 143', async () => {
  signalWhen(() => true, 'SIGTERM');
  const code = await main(['conform', '--seed', '1', '--runs', '1000000', '--out', dir, '--json']);
  expect(code).toBe(143);
  const r = JSON.parse(io.out);
  expect(r.interrupted).toBe(true);
  expect(r.ok).toBe(false);
  expect(r.properties[0].verdict).toBe('interrupted');
});

it('replay: SIGINT before the files are run reports none of them, interrupted, exit 130', async () => {
  const files = ['traces/corpus/inflate-deflate-cycle.json', 'traces/corpus/small-batches.json'];
  const run = main(['replay', ...files, '--json']);
  process.emit('SIGINT', 'SIGINT');
  expect(await run).toBe(130);
  const r = JSON.parse(io.out);
  expect(r).toMatchObject({ exitCode: 130, interrupted: true, traces: [] });
});

it('the real command line: SIGINT to the process while check runs', async () => {
  vi.restoreAllMocks();
  const child = spawn(process.execPath, ['bin/balloon.js', 'check', '--fault', 'unaligned-target', '--seed', '3', '--runs', '1000000', '--out', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  const t = setInterval(() => { if (readdirSync(dir).length > 0) { clearInterval(t); child.kill('SIGINT'); } }, 20);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(t);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(code).toBe(130);
  const r = JSON.parse(stdout);
  expect(r.interrupted).toBe(true);
  expect(r.counterexamples.length).toBeGreaterThan(0);
  for (const c of r.counterexamples) expect(existsSync(c.trace)).toBe(true);
}, 120_000);
