/**
 * The round trip a user makes: `balloon check` finds a failure and saves its shrunk trace;
 * `balloon replay` on that file reproduces the same failure at the same step, exit 1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();
let dir = '';
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'balloon-check-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

it('a failure found by check replays to the same property at the same step', async () => {
  expect(await main(['check', '--fault', 'reuse-before-ack', '--seed', '1', '--runs', '2000', '--out', dir, '--property', 'requests-well-formed'])).toBe(1);
  const files = readdirSync(dir);
  expect(files).toHaveLength(1);
  const trace = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
  expect(trace.source).toEqual({ kind: 'reference', faults: ['reuse-before-ack'] });
  expect(io.out).toContain(`replay: npx balloon replay ${join(dir, files[0])}`);

  io.out = '';
  expect(await main(['replay', join(dir, files[0])])).toBe(1);
  expect(io.out).toContain(`verdict: reproduced: ${trace.expect.property} failed at step ${trace.expect.step}, as the file expects`);
});

it('a clean check saves nothing', async () => {
  expect(await main(['check', '--seed', '1', '--runs', '100', '--out', dir])).toBe(0);
  expect(readdirSync(dir)).toEqual([]);
});

it('every trace check --fault unaligned-target --seed 3 saves replays as "reproduced" (issue 13: three did not)', async () => {
  expect(await main(['check', '--fault', 'unaligned-target', '--seed', '3', '--runs', '300', '--out', dir])).toBe(1);
  const files = readdirSync(dir);
  expect(files.length).toBeGreaterThan(1);
  for (const f of files) {
    io.out = '';
    expect(await main(['replay', join(dir, f)])).toBe(1);
    expect(io.out, f).toMatch(/verdict: reproduced: /);
  }
});

it('--property X --property X checks X once, and the summary counts it once', async () => {
  expect(await main(['check', '--family', 'virtio', '--seed', '1', '--runs', '30', '--out', dir, '--property', 'isolation', '--property', 'isolation'])).toBe(0);
  expect(io.out).toContain('balloon check: family virtio, 1 property, 30 runs');
  expect(io.out.match(/^virtio\s+isolation\s/gm)).toHaveLength(1);
  expect(io.out).toMatch(/^virtio\s+isolation\s+always\s+30\s/m);
  expect(io.out).toContain('the one property held');
});
