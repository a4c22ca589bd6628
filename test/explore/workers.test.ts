// `balloon explore --workers W` (issue 21, cli/explore/parallel.ts): the search shared by worker
// threads finds what the single-threaded search finds, for several families and configurations,
// with and without --symmetry, up to a state limit that cuts a level, and with a zoo fault: the
// same shortest failing case, which `balloon replay` (runCase) reproduces. Bad --workers values
// are one line and exit 2; a user's module behind --impl is opened by each worker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { exploreParallel, type WorkerSpec } from '../../cli/explore/parallel.ts';
import { explorerSetup } from '../../properties/explore-at.ts';
import { exploreImplementation, type ExploreOptions } from '../../properties/exhaustive.ts';
import { familyByName } from '../../properties/families.ts';
import { runCase } from '../../properties/runner.ts';
import { SharedFingerprints } from '../../properties/shared-fingerprints.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();
// Every search with workers starts threads that load tsx and the project: seconds each, tens of
// seconds on a loaded machine, beside the suite's other files.
const SLOW = 240_000;
const out = mkdtempSync(join(tmpdir(), 'balloon-workers-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Case { family: string; guests: number; pages: number; variant?: string; faults?: string[]; symmetry?: boolean; depth: number; maxStates?: number }

/** Both searches on one case: single-threaded, and on `workers` threads. */
async function both(c: Case, workers: number) {
  const fam = familyByName(c.family);
  const setup = explorerSetup(fam, c.guests, c.pages, c.variant);
  const faults = c.faults ?? [];
  const factory = faults.length > 0 ? fam.withFaults(faults) : fam.reference;
  const opts: ExploreOptions = { depth: c.depth, maxStates: c.maxStates ?? 100_000, symmetry: c.symmetry ?? false };
  const spec: WorkerSpec = { family: c.family, guests: c.guests, pages: c.pages, ...(c.variant ? { variant: c.variant } : {}), impl: 'reference', faults, drain: true, symmetry: c.symmetry ?? false };
  const one = exploreImplementation(setup.family, factory, setup.config, opts);
  const many = await exploreParallel(setup.family, factory, setup.config, spec, { ...opts, workers });
  return { one, many, factory, config: setup.config };
}

describe('the same search on 1 and on W threads', () => {
  it.each<[string, Case, number]>([
    ['virtio 1×4, depth 3', { family: 'virtio', guests: 1, pages: 4, depth: 3 }, 2],
    ['xen 1×4, depth 3, 3 workers', { family: 'xen', guests: 1, pages: 4, depth: 3 }, 3],
    ['virtualbox 1×2, depth 4', { family: 'virtualbox', guests: 1, pages: 2, depth: 4 }, 2],
    ['virtio 2×2 with --symmetry, depth 3', { family: 'virtio', guests: 2, pages: 2, symmetry: true, depth: 3 }, 2],
    ['virtio 1×4, a state limit that cuts depth 3', { family: 'virtio', guests: 1, pages: 4, depth: 5, maxStates: 25 }, 2],
  ])('%s: every figure alike', async (_name, c, workers) => {
    const { one, many } = await both(c, workers);
    expect(one.states).toBeGreaterThan(1);
    expect(many).toEqual(one);
  }, SLOW);
  it('the state-limit case stops inside a level (so the cut is by rank, not at a barrier)', () => {
    const r = exploreImplementation(familyByName('virtio'), familyByName('virtio').reference, familyByName('virtio').explorer!.config(1, 4), { depth: 5, maxStates: 25 });
    expect(r.stoppedBy).toBe('state-limit');
    expect(r.perDepth.slice(0, -1).reduce((a, b) => a + b, 0)).toBeLessThan(25);
  });
});

describe('a zoo fault: the same shortest failing case, and it replays', () => {
  it.each<[string, Case]>([
    ['found on an edge (virtio invalid-chain-loop)', { family: 'virtio', guests: 1, pages: 4, faults: ['invalid-chain-loop'], depth: 3 }],
    ['found by a drain (virtio fill-wrong-gpfns)', { family: 'virtio', guests: 1, pages: 4, faults: ['fill-wrong-gpfns'], depth: 3 }],
    ['at depth 3 (virtio discard-not-propagated)', { family: 'virtio', guests: 1, pages: 4, faults: ['discard-not-propagated'], depth: 4 }],
    ['at depth 4 (xen count-asked-not-done)', { family: 'xen', guests: 1, pages: 4, faults: ['count-asked-not-done'], depth: 5 }],
  ])('%s', async (_name, c) => {
    const { one, many, factory, config } = await both(c, 2);
    expect(one.failure).not.toBeNull();
    expect(many).toEqual(one);
    // What `balloon replay` runs: the saved commands under the runner's defaults.
    const replayed = runCase(factory, config as never, many.failure!.commands as never, familyByName(c.family).properties).failure;
    expect(replayed?.property).toBe(many.failure!.failure.property);
  }, SLOW);
  it('the CLI saves it, and `balloon replay` reproduces it', async () => {
    expect(await main(['explore', '--family', 'virtio', '--fault', 'discard-not-propagated', '--depth', '4', '--workers', '2', '--out', out, '--json'])).toBe(1);
    const r = JSON.parse(io.out);
    expect(r.workers).toBe(2);
    expect(r.failure.length).toBe(3);
    const trace = JSON.parse(readFileSync(r.failure.trace, 'utf8'));
    expect(trace.commands).toEqual(r.failure.commands);
    io.out = '';
    expect(await main(['replay', r.failure.trace])).toBe(1);
    expect(io.out).toMatch(/FAILED no-double-mapping/);
  }, SLOW);
});

describe('--workers on the command line', () => {
  it.each([['0'], ['-1'], ['two'], ['1.5'], ['65']])('--workers %s: one line, exit 2', async (w) => {
    expect(await main(['explore', '--family', 'virtio', '--depth', '1', '--workers', w])).toBe(2);
    expect(io.err).toMatch(/^balloon: --workers: expected a whole number from 1 to 64, got .*\n$/);
    expect(io.err).not.toMatch(/\bat .*\.ts:\d+/);
  });
  it('a user\'s module (--impl): each worker opens it; the same states as one thread', async () => {
    const args = ['explore', '--impl', 'examples/array-impl/index.ts', '--depth', '2', '--json'];
    expect(await main([...args, '--workers', '1'])).toBe(0);
    const one = JSON.parse(io.out);
    io.out = '';
    expect(await main([...args, '--workers', '2'])).toBe(0);
    const two = JSON.parse(io.out);
    expect([two.states, two.edges, two.perDepth, two.mode]).toEqual([one.states, one.edges, one.perDepth, one.mode]);
  }, SLOW);
});

describe('the shared visited set', () => {
  it('a state keeps the smallest rank of its level; an earlier level\'s state is old', () => {
    const t = SharedFingerprints.create(16);
    const f = { hi: 0xdeadbeef, lo: 7 };
    expect(t.insert({ hi: 1, lo: 2 }, 0, 0)).toBe('new');
    expect(t.insert(f, 1, 9)).toBe('new');
    expect(t.insert(f, 1, 12)).toBe('lost');
    expect(t.insert(f, 1, 3)).toBe('kept');
    expect(t.rankOf(f)).toBe(3);
    expect(t.insert({ hi: 1, lo: 2 }, 1, 1)).toBe('old');
    expect(t.ranksAt(1)).toEqual([3]);
    const g = t.ensure(5000);
    expect(g.slots).toBeGreaterThanOrEqual(10_000);
    expect([g.rankOf(f), g.rankOf({ hi: 1, lo: 2 }), g.rankOf({ hi: 5, lo: 5 })]).toEqual([3, 0, -1]);
  });
});
