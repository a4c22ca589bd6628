/**
 * `balloon explore` (properties/exhaustive.ts, cli/commands/explore.ts): the reference of every
 * family explores to a pinned number of states and edges at a small depth and holds; zoo faults
 * of virtio and Xen are found at the depth pinned here, nothing is found one command shorter (so
 * that depth is the shortest, relative to the family's state key), and the saved trace replays
 * to the same failure with `balloon replay`; bad flags exit 2 with one line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';
import { FAMILIES, familyByName } from '../../properties/families.ts';
import { exploreImplementation } from '../../properties/exhaustive.ts';

const io = captureCli();
const dir = mkdtempSync(join(tmpdir(), 'balloon-explore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Distinct states and edges of the reference at depth 2 from each family's default tiny size.
const PINNED: Record<string, { states: number; edges: number; perDepth: number[] }> = {
  virtio: { states: 14, edges: 95, perDepth: [1, 4, 9] },
  xen: { states: 20, edges: 108, perDepth: [1, 5, 14] },
  vmware: { states: 25, edges: 105, perDepth: [1, 6, 18] },
  hyperv: { states: 17, edges: 120, perDepth: [1, 5, 11] },
  virtualbox: { states: 18, edges: 84, perDepth: [1, 5, 12] },
};

describe('exploring the reference', () => {
  it('every registered family has an explorer and a pinned count', () => {
    expect(FAMILIES.map((f) => [f.name, !!f.explorer])).toEqual(Object.keys(PINNED).map((n) => [n, true]));
  });
  it.each(Object.entries(PINNED))('%s: pinned states and edges at depth 2, every property held, not called exhaustive', (name, pinned) => {
    const f = familyByName(name);
    const config = f.explorer!.config(f.explorer!.defaults.guests, f.explorer!.defaults.pages);
    const r = exploreImplementation(f, f.reference, config, { depth: 2, maxStates: 10_000 });
    expect(r.failure).toBeNull();
    expect({ states: r.states, edges: r.edges, perDepth: r.perDepth }).toEqual(pinned);
    expect(r.stoppedBy).toBe('depth');
    expect(r.exhaustive).toBe(false);
    expect(r.properties).toEqual(f.properties.map((p) => p.name));
  });
  it('calls a search exhaustive only when the frontier ran dry', () => {
    // An alphabet of targets alone (0, 2, 4 of 4 pages; the domain starts at 4): the target moves, nothing else, so 3 states.
    const xen = familyByName('xen');
    const ex = xen.explorer!;
    const small = { ...xen, explorer: { ...ex, alphabet: (c: never) => ex.alphabet(c).filter((x: { kind: string }) => x.kind === 'set-target') } };
    const r = exploreImplementation(small, xen.reference, ex.config(1, 4), { depth: 10, maxStates: 1000 });
    expect(r).toMatchObject({ stoppedBy: 'exhausted', exhaustive: true, failure: null, states: 3, depthReached: 1 });
    const cut = exploreImplementation(small, xen.reference, ex.config(1, 4), { depth: 1, maxStates: 1000 });
    expect(cut).toMatchObject({ stoppedBy: 'depth', exhaustive: false, states: 3 });
  });
  it('says when the state limit ended the search', () => {
    const f = familyByName('xen');
    const r = exploreImplementation(f, f.reference, f.explorer!.config(1, 4), { depth: 6, maxStates: 10 });
    expect(r).toMatchObject({ states: 10, stoppedBy: 'state-limit', exhaustive: false, failure: null });
  });
});

// [family, fault, shortest depth found by BFS, property]: bench/EXPLORE.md has every fault.
const FOUND: [string, string, number, string][] = [
  ['virtio', 'unbounded-balloon', 1, 'floors-and-targets'],
  ['virtio', 'no-range-check', 1, 'bad-requests-change-nothing'],
  ['virtio', 'discard-not-propagated', 3, 'no-double-mapping'],
  ['virtio', 'cancelled-busy-loop', 3, 'conformance'],
  ['virtio', 'reuse-before-ack', 3, 'requests-well-formed'],
  ['virtio', 'no-ram-check', 1, 'bad-requests-change-nothing'],
  ['xen', 'unbounded-balloon-down', 1, 'xen-floors'],
  ['xen', 'cancelled-busy-loop', 1, 'xen-backs-off'],
  ['xen', 'count-asked-not-done', 4, 'conformance'],
  ['xen', 'misaligned-extent', 1, 'xen-bad-requests-change-nothing'],
];

describe('balloon explore --fault', () => {
  it.each(FOUND)('%s %s: found at depth %i, not shorter, and the trace replays', async (family, fault, depth, property) => {
    expect(await main(['explore', '--family', family, '--fault', fault, '--depth', String(depth - 1), '--json', '--out', dir])).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ ok: true, failure: null });
    io.out = '';
    expect(await main(['explore', '--family', family, '--fault', fault, '--depth', String(depth + 1), '--json', '--out', dir])).toBe(1);
    const r = JSON.parse(io.out);
    expect(r.failure).toMatchObject({ property, length: depth, replays: true });
    io.out = '';
    // Replay exits 1 on a failure, as expected: the verdict says it is the same one.
    expect(await main(['replay', r.failure.trace, '--json'])).toBe(1);
    expect(JSON.parse(io.out).traces[0]).toMatchObject({ verdict: 'reproduced', asExpected: true, failure: { property, step: r.failure.step } });
  });
  it('prints what it checked and where it saved the case', async () => {
    expect(await main(['explore', '--family', 'xen', '--fault', 'count-asked-not-done', '--depth', '5', '--out', dir])).toBe(1);
    expect(io.out).toMatch(/^balloon explore: family xen, implementation reference, faults on: count-asked-not-done, 1 guest\(s\) of 4 pages/);
    expect(io.out).toMatch(/distinct states: \d+, edges: \d+, depth reached: 4, \d+ states\/s/);
    expect(io.out).toContain('FAILED: conformance');
    expect(io.out).toMatch(/replay: npx balloon replay .*conformance-[0-9a-f]{12}\.json/);
  });
  it('the reference holds and says the depth bound ended the search', async () => {
    expect(await main(['explore', '--family', 'vmware', '--depth', '2'])).toBe(0);
    expect(io.out).toContain('distinct states: 25, edges: 105, depth reached: 2');
    expect(io.out).toContain('NOT exhaustive: stopped at the depth bound (2)');
    expect(io.out).toMatch(/all \d+ properties held in every state explored/);
  });
});

describe('balloon explore --impl', () => {
  it('explores a user module through the adapter, as the reference', async () => {
    expect(await main(['explore', '--impl', 'examples/array-impl/index.ts', '--depth', '1', '--json'])).toBe(0);
    const r = JSON.parse(io.out);
    expect(r).toMatchObject({ ok: true, implementation: 'examples/array-impl/index.ts', depthReached: 1, stoppedBy: 'depth' });
    // Every command of the alphabet was applied once from the initial state.
    expect(r.edges).toBe(r.alphabet);
    expect(r.states).toBeGreaterThan(1);
  });
});

describe('bad flags', () => {
  it.each([
    [['explore', '--depth', 'x'], /^balloon: --depth: expected a whole number from 0 to 64, got "x"\n$/],
    [['explore', '--guests', '0'], /^balloon: --guests: expected a whole number from 1 to 8, got "0"\n$/],
    [['explore', '--family', 'nope'], /^balloon: --family: unknown family "nope" \(known: virtio, xen, vmware, hyperv, virtualbox\)\n$/],
    [['explore', '--fault', 'gremlins'], /^balloon: --fault: unknown virtio fault "gremlins" \(known: /],
    [['explore', '--max-states', '0'], /^balloon: --max-states: expected a whole number from 1 to /],
    // Nothing applied and nothing drained would check nothing: refused, not reported as held.
    [['explore', '--depth', '0', '--no-drain'], /^balloon: --depth 0 --no-drain: nothing would be checked/],
  ])('%j exits 2 with one line', async (argv, msg) => {
    expect(await main(argv)).toBe(2);
    expect(io.err).toMatch(msg);
    expect(io.err.trim().split('\n')).toHaveLength(1);
  });
});
