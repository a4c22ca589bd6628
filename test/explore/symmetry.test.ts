// Symmetry reduction (issue 21): interchangeable guests in canonical order, host frames renamed
// (properties/state-key.ts symmetricObservation), used by `balloon explore --symmetry`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';
import { guestConfig, guestId, systemConfig, type Command, type Observation, type SystemConfig } from '../../core/virtio/index.ts';
import { explorerSetup, faultExploreAt } from '../../properties/explore-at.ts';
import { exploreImplementation } from '../../properties/exhaustive.ts';
import { familyByName } from '../../properties/families.ts';
import { canonicalFingerprint, symmetricObservation } from '../../properties/state-key.ts';

const virtio = familyByName('virtio');
const ex = virtio.explorer!;
const SKIP = new Set(['id']);

/** The reference after `commands`, and the fingerprint of its observation, plain and up to symmetry. */
function after(config: SystemConfig, commands: Command[]) {
  const sys = (virtio.reference as unknown as (c: SystemConfig) => { apply(c: Command): unknown; observe(): Observation })(config);
  for (const c of commands) sys.apply(c);
  const obs = sys.observe();
  return { plain: canonicalFingerprint(obs, SKIP), sym: canonicalFingerprint(symmetricObservation(obs, config, ex.symmetry), SKIP) };
}
// Guest `g` inflates one page: a target, the driver's request, the device serving it.
const inflateOne = (g: number): Command[] => [
  { kind: 'set-target', guest: guestId(g), pages: 1 }, { kind: 'driver', guest: guestId(g) }, { kind: 'device', guest: guestId(g), queue: 'inflate' },
];

describe('symmetricObservation', () => {
  const two = ex.config(2, 4) as SystemConfig;
  it('two states that differ only by which guest inflated get one fingerprint', () => {
    const a = after(two, inflateOne(0));
    const b = after(two, inflateOne(1));
    expect(a.plain).not.toEqual(b.plain); // a different state as observed (which guest, which frame freed)
    expect(a.sym).toEqual(b.sym);
    // And a state where both did so is neither of them.
    expect(after(two, [...inflateOne(0), ...inflateOne(1)]).sym).not.toEqual(a.sym);
  });
  it('guests of different configurations are not merged', () => {
    const mixed = systemConfig({
      ...two, guests: [guestConfig({ ...two.guests[0] }), guestConfig({ ...two.guests[1], floorPages: 2 })],
    });
    const a = after(mixed, inflateOne(0));
    const b = after(mixed, inflateOne(1));
    expect(a.sym).not.toEqual(b.sym);
  });
  it('a guest that wrote a page is not merged with one that did not (frames are renamed, not forgotten)', () => {
    const wrote: Command[] = [{ kind: 'alloc', guest: guestId(0), pages: 1, pick: 0 }];
    const other: Command[] = [{ kind: 'alloc', guest: guestId(0), pages: 1, pick: 1 }];
    expect(after(two, wrote).sym).not.toEqual(after(two, other).sym);
  });
  it('leaves the observation it reads unchanged', () => {
    const config = two;
    const sys = (virtio.reference as unknown as (c: SystemConfig) => { apply(c: Command): unknown; observe(): Observation })(config);
    for (const c of inflateOne(1)) sys.apply(c);
    const before = canonicalFingerprint(sys.observe(), SKIP);
    symmetricObservation(sys.observe(), config, ex.symmetry);
    expect(canonicalFingerprint(sys.observe(), SKIP)).toEqual(before);
  });
});

describe('explore with symmetry', () => {
  it('two guests of 4 pages, depth 3: fewer states, none of them failing (pinned: 79 of 166)', () => {
    const config = ex.config(2, 4);
    const plain = exploreImplementation(virtio, virtio.reference as never, config, { depth: 3, maxStates: 100_000 });
    const sym = exploreImplementation(virtio, virtio.reference as never, config, { depth: 3, maxStates: 100_000, symmetry: true });
    expect(plain.failure).toBeNull();
    expect(sym.failure).toBeNull();
    expect(sym.symmetry).toBe(true);
    expect({ states: plain.states, perDepth: plain.perDepth }).toEqual({ states: 166, perDepth: [1, 8, 35, 122] });
    expect({ states: sym.states, edges: sym.edges, perDepth: sym.perDepth }).toEqual({ states: 79, edges: 912, perDepth: [1, 4, 19, 55] });
  });
  it('a family that declares no symmetry is explored as without it', () => {
    const xen = familyByName('xen');
    const r = exploreImplementation(xen, xen.reference as never, xen.explorer!.config(2, 4), { depth: 1, maxStates: 100_000, symmetry: true });
    expect(r.symmetry).toBe(false);
  });
  // Every virtio zoo fault that has an entry is still found at exactly its depth (not shorter).
  const faults = virtio.faults.map((f) => f.name).filter((n) => !('notFound' in faultExploreAt(virtio, n)));
  it.each(faults)('virtio %s: found at its faultsAt entry with symmetry on', (fault) => {
    const at = faultExploreAt(virtio, fault);
    if ('notFound' in at) throw new Error('unreachable');
    const { family, config } = explorerSetup(virtio, at.guests, at.pages, at.variant);
    const r = exploreImplementation(family, virtio.withFaults([fault]) as never, config, { depth: at.depth, maxStates: 50_000, symmetry: true });
    expect(r.failure?.commands).toHaveLength(at.depth);
    expect(r.failure!.replays).toBe(true);
  });
  // Two interchangeable guests: shallow faults are found at the same depth as without symmetry.
  it.each(['no-range-check', 'discard-not-propagated', 'reuse-before-ack'])('virtio %s with two guests of 4 pages', (fault) => {
    const at = faultExploreAt(virtio, fault);
    if ('notFound' in at) throw new Error('unreachable');
    const r = exploreImplementation(virtio, virtio.withFaults([fault]) as never, ex.config(2, 4), { depth: at.depth, maxStates: 50_000, symmetry: true });
    expect(r.failure?.commands).toHaveLength(at.depth);
  });
});

describe('balloon explore --symmetry', () => {
  const io = captureCli();
  const dir = mkdtempSync(join(tmpdir(), 'balloon-symmetry-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('virtio, two guests, depth 2: fewer states than without, said in the output and the JSON', async () => {
    const run = async (extra: string[]) => {
      io.out = '';
      expect(await main(['explore', '--family', 'virtio', '--guests', '2', '--pages', '4', '--depth', '2', '--json', '--out', dir, ...extra])).toBe(0);
      return JSON.parse(io.out) as { states: number; symmetry: boolean };
    };
    const plain = await run([]);
    const sym = await run(['--symmetry']);
    expect(plain).toMatchObject({ states: 44, symmetry: false });
    expect(sym).toMatchObject({ states: 24, symmetry: true });
    io.out = '';
    expect(await main(['explore', '--family', 'virtio', '--guests', '2', '--pages', '4', '--depth', '1', '--symmetry', '--no-drain', '--out', dir])).toBe(0);
    expect(io.out).toMatch(/2 guest\(s\) of 4 pages, up to guest and frame symmetry, depth ≤ 1/);
  });
  it('a family without symmetry says so and explores as before', async () => {
    io.out = '';
    expect(await main(['explore', '--family', 'xen', '--guests', '2', '--depth', '1', '--symmetry', '--no-drain', '--out', dir])).toBe(0);
    expect(io.out).toMatch(/no symmetry reduction \(xen declares none\)/);
  });
});
