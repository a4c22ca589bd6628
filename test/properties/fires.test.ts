/**
 * Every property of every family fires, on its own, on a bad state: a property that nothing can
 * make fire would pass an implementation that breaks it (a review switched off seven properties of
 * Hyper-V, VMware and VirtualBox and every test still passed: the zoo tests take whichever property
 * of a fault's list fires first).
 *
 * Two ways, and every property is in one of them or in ELSEWHERE with the file that shows it:
 * - AT_FAULT: the breadth-first search with that property alone (properties/exhaustive.ts,
 *   `properties: [p]`) finds it at a zoo fault, at the fault's explorer configuration, in exactly
 *   the pinned number of commands (the shortest, relative to the state key). Real bugs, found by
 *   the general property, not by a test that knows them.
 * - BROKEN: the family's reference behind a wrapper that breaks one thing the property watches
 *   (a read that returns another token, a frame mapped twice, a free count off by one, ...), the
 *   same wrapper for every family that has the property, so a family whose observation or world
 *   hooks made a shared property blind would fail here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guestId, type AnyCommand, type StepResult, type SystemUnderTest, type WorldConfig, type WorldObservation } from '../../core/index.ts';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { exploreImplementation } from '../../properties/exhaustive.ts';
import { explorerSetup, faultExploreAt } from '../../properties/explore-at.ts';
import { FAMILIES, familyByName } from '../../properties/families.ts';
import type { AnyFamily } from '../../properties/family.ts';
import { runCase } from '../../properties/runner.ts';

// [fault, commands]: the search with the property alone finds it at this fault in exactly this many commands.
const AT_FAULT: Record<string, Record<string, [string, number]>> = {
  virtio: {
    'no-double-mapping': ['discard-not-propagated', 3], 'frames-conserved': ['discard-not-propagated', 3], 'balloon-pages-untouched': ['unbounded-descriptor', 2],
    'host-drops-only-ballooned': ['fill-wrong-gpfns', 2], 'requests-well-formed': ['fill-wrong-gpfns', 1], 'counters-match': ['pfn-byte-order', 1],
    'bad-requests-change-nothing': ['double-inflate', 7], 'deflate-only-when-asked': ['deflate-on-reclaim', 6], 'floors-and-targets': ['unbounded-balloon', 1],
    'reported-pages-kept': ['deflate-unpoisoned', 12], 'report-blocks': ['report-below-order', 1], 'stats-entries': ['stats-tag-twice', 1],
    'stats-recorded': ['stats-unknown-tag-rejects', 1], convergence: ['oom-deadlock', 6], progress: ['oom-deadlock', 5], reconvergence: ['s4-restore-leak', 5],
    'stats-posted': ['stats-not-reposted', 1], conformance: ['oom-deadlock', 5], 'command-contract': ['invalid-chain-loop', 1],
    'effects-agree': ['pfn-sign-extended', 1], purpose: ['pfn-sign-extended', 1], 'hint-contract': ['hint-stop-skipped', 2], 'hint-follows-host': ['hint-stop-skipped', 2],
  },
  xen: {
    'xen-counters-match': ['count-asked-not-done', 4], 'xen-balloon-pages-untouched': ['count-asked-not-done', 4], 'xen-floors': ['unbounded-balloon-down', 1],
    'xen-bad-requests-change-nothing': ['misaligned-extent', 1], 'xen-pv-p2m-agrees': ['stale-pv-p2m', 1], 'xen-requests-well-formed': ['gfn-truncated', 1],
    'xen-backs-off': ['cancelled-busy-loop', 1], 'xen-progress': ['preempt-no-progress', 2], 'xen-command-contract': ['guest-pod-populate', 2], conformance: ['unbounded-balloon-down', 1],
  },
  vmware: {
    'counters-match': ['large-without-batching', 1], 'vmware-size-is-locked': ['large-without-batching', 1], 'vmware-requests-well-formed': ['ppn-truncated', 1],
    'vmware-reset-forgets': ['reset-keeps-locked', 3], 'vmware-doorbell-agrees': ['doorbell-unchecked', 1], 'vmware-refusals-clamped': ['unclamped-refusals', 4],
    'vmware-convergence': ['refused-leak', 2], conformance: ['large-without-batching', 0],
  },
  hyperv: {
    'hv-counters-match': ['onlined-wraps', 7], 'hv-balloon-pages-untouched': ['online-gaps', 4], 'hv-floors': ['over-balloon-2m', 1],
    'hv-bad-requests-change-nothing': ['unballoon-unchecked', 5], 'hv-requests-well-formed': ['balloon-large-pages', 0], 'hv-transactions': ['over-balloon-2m', 1],
    'hv-status-committed': ['onlined-wraps', 8], conformance: ['onlined-wraps', 7],
  },
  virtualbox: {
    'balloon-pages-untouched': ['partial-inflate-counted', 2], 'host-drops-only-ballooned': ['partial-inflate-counted', 2], 'counters-match': ['partial-inflate-counted', 1],
    progress: ['first-page-aligned-only', 2], 'virtualbox-bad-requests-change-nothing': ['partial-inflate-counted', 1],
    'virtualbox-requests-well-formed': ['first-page-aligned-only', 2], 'virtualbox-counters-match': ['free-before-deflate', 4],
    'virtualbox-zero-page': ['partial-inflate-counted', 2], 'virtualbox-convergence': ['max-compare', 1], conformance: ['max-compare', 1],
  },
};

/** A system that breaks one thing: its results or its observation changed after the reference's. */
interface Breakage {
  /** Change a step's result (in place, or return another). */
  apply?(c: AnyCommand, r: StepResult, obs: WorldObservation): StepResult | void;
  /** Change the observation, every time it is read (it must be idempotent). */
  observe?(obs: WorldObservation): void;
}

function broken(factory: SystemFactory, b: Breakage): SystemFactory {
  return ((config: WorldConfig) => {
    const s = (factory as unknown as (c: WorldConfig) => SystemUnderTest)(config);
    return {
      config: s.config,
      apply(c: AnyCommand) { const r = s.apply(c) as StepResult; return (b.apply?.(c, r, s.observe()) ?? r) as never; },
      observe() { const o = s.observe() as WorldObservation; b.observe?.(o); return o; },
    };
  }) as unknown as SystemFactory;
}

const backed = (obs: WorldObservation, g: number): number[] => {
  const out: number[] = [];
  const p2m = obs.guests[g].p2m;
  for (let n = 0; n < p2m.length; n++) if (p2m[n] >= 0 && obs.host.owner[p2m[n]] === g && obs.host.ownerGpfn[p2m[n]] === n) out.push(n);
  return out;
};

// Each property's breakage, the same for every family that has the property.
const BROKEN: Record<string, (family: AnyFamily) => Breakage> = {
  // Guest 0's second backed gpfn mapped to the frame of its first.
  'no-double-mapping': () => ({ observe(o) { const [a, b] = backed(o, 0); if (b !== undefined) o.guests[0].p2m[b] = o.guests[0].p2m[a]; } }),
  // A write of guest 0 also reports a write to guest 1.
  isolation: () => ({ apply(c, r) { if (c.kind === 'write' && c.guest === 0) return { ...r, effects: [...r.effects, { kind: 'wrote', guest: guestId(1), gpfn: 0, token: 1 }] } as StepResult; } }),
  // One free frame more than the frame table holds.
  'frames-conserved': () => ({ observe(o) { o.host.freeFrames += 1; } }),
  'xen-frames': () => ({ observe(o) { o.host.freeFrames += 1; } }),
  // A read returns another token than the page holds.
  'data-oracle': () => ({ apply(_c, r) { for (const e of r.effects as { kind: string; value?: number }[]) if (e.kind === 'read') e.value = (e.value ?? 0) + 1; } }),
  // A target comes back one page off what was asked (within RAM).
  'floors-and-targets': () => ({ apply(c, r) { for (const e of r.effects as { kind: string; target?: number; requested?: number }[]) if (e.kind === 'target-set' && c.kind === 'set-target') e.target = (e.requested ?? 0) === 0 ? 1 : (e.requested ?? 1) - 1; } }),
  // A write lands on a gpfn of the balloon.
  'balloon-pages-untouched': () => ({
    apply(c, r, o) {
      const inBalloon = o.guests[c.guest].hostBallooned;
      let n = -1;
      for (let i = 0; i < inBalloon.length && n < 0; i++) if (inBalloon[i]) n = i;
      if (n < 0) return;
      for (const e of r.effects as { kind: string; gpfn?: number }[]) if (e.kind === 'wrote') e.gpfn = n;
    },
  }),
  // The host releases a frame during a guest write, outside any balloon request.
  'host-drops-only-ballooned': () => ({
    apply(c, r, o) {
      if (c.kind !== 'write') return;
      const [n] = backed(o, c.guest);
      return { ...r, effects: [...r.effects, { kind: 'frame-released', guest: c.guest, gpfn: n, frame: o.guests[c.guest].p2m[n] }] } as StepResult;
    },
  }),
  // A hostile request accepted, with an effect.
  'vmware-bad-requests-change-nothing': () => ({ apply(c) { if (c.kind === 'hostile') return { outcome: 'accepted', effects: [{ kind: 'target-set', guest: c.guest, requested: 0, target: 0 }] } as unknown as StepResult; } }),
  // Never at rest: once the balloon has moved, every turn of the fair drain answers as that move did (the family's own `moved`).
  progress: (family) => {
    let moving: StepResult | null = null;
    const turns = new Set((family.runner.drainRound(family.explorer!.config(1, 8) as never, guestId(0)) as AnyCommand[]).map((c) => c.kind));
    return {
      apply(c, r) {
        if (family.runner.moved(r as never)) { moving ??= r; return; }
        if (moving && turns.has(c.kind)) return moving;
      },
    };
  },
};

/** Commands that reach what each breakage needs: pages allocated, written and read, a target, the balloon filled by the fair drain's turns. */
function workload(family: AnyFamily, config: WorldConfig): AnyCommand[] {
  const g0 = guestId(0);
  const g1 = guestId(1);
  const program = (g: typeof g0): AnyCommand[] => [
    { kind: 'alloc', guest: g, pages: 2, pick: 0 }, { kind: 'write', guest: g, pick: 0 }, { kind: 'read', guest: g, pick: 0 },
  ] as unknown as AnyCommand[];
  const target = family.runner.retarget(g0, 2, config as never) as AnyCommand;
  const turns = Array.from({ length: 4 }, () => family.runner.drainRound(config as never, g0) as AnyCommand[]).flat();
  const hostile = Object.keys(family.hostileKinds).slice(0, 1).map((request) => ({ kind: 'hostile', guest: g0, request, pick: 0 }) as AnyCommand);
  return [...program(g0), ...program(g1), target, ...turns, { kind: 'write', guest: g0, pick: 1 } as AnyCommand, ...program(g0), ...hostile];
}

// Shown to fire elsewhere: the file that does it (checked to name the property).
const ELSEWHERE: Record<string, Record<string, string>> = {
  // Found at their zoo faults in 8 and 7 commands, but those searches take seconds.
  virtio: { 'hint-data-oracle': 'test/properties/shrink-world.test.ts', 'hint-device-drops': 'test/properties/hinting.test.ts' },
  vmware: { 'vmware-command-contract': 'test/properties/vmware/check.test.ts' },
  hyperv: { 'hv-progress': 'test/properties/hyperv/check.test.ts', 'hv-command-contract': 'test/properties/hyperv/check.test.ts' },
  virtualbox: { 'virtualbox-command-contract': 'test/properties/virtualbox/check.test.ts' },
};

describe('every property of every family is shown to fire', () => {
  it.each(FAMILIES.map((f) => [f.name]))('%s: each property at a fault, behind a breakage, or in a named test', (name) => {
    const family = familyByName(name);
    const covered = (p: string) => p in (AT_FAULT[name] ?? {}) || p in (ELSEWHERE[name] ?? {}) || p in BROKEN;
    expect(family.properties.map((p) => p.name).filter((p) => !covered(p))).toEqual([]);
    for (const [p, file] of Object.entries(ELSEWHERE[name] ?? {})) {
      expect(family.properties.map((x) => x.name)).toContain(p);
      expect(readFileSync(file, 'utf8'), `${file} names ${p}`).toContain(`'${p}'`);
    }
  });
});

describe('at a zoo fault, the property alone', () => {
  const rows = Object.entries(AT_FAULT).flatMap(([family, m]) => Object.entries(m).map(([p, [fault, depth]]) => [family, p, fault, depth] as const));
  it.each(rows)('%s %s: found at %s in %i commands', (name, p, fault, depth) => {
    const family = familyByName(name);
    const at = faultExploreAt(family, fault);
    if ('notFound' in at) throw new Error(`${fault} has no explorer configuration`);
    const { family: fam, config } = explorerSetup(family, at.guests, at.pages, at.variant);
    const property = family.properties.find((x) => x.name === p)!;
    const r = exploreImplementation(fam, family.withFaults([fault]) as never, config, { depth, maxStates: at.maxStates ?? 20_000, properties: [property] });
    expect(r.failure?.failure.property).toBe(p);
    expect(r.failure!.commands).toHaveLength(depth);
  });
});

describe('behind a breakage of what it watches', () => {
  const rows = FAMILIES.flatMap((f) => f.properties.filter((p) => p.name in BROKEN && !(p.name in (AT_FAULT[f.name] ?? {}))).map((p) => [f.name, p.name] as const));
  it.each(rows)('%s %s', (name, p) => {
    const family = familyByName(name);
    const ex = family.explorer!;
    const config = ex.config(2, Math.max(ex.defaults.pages, 8));
    const property = family.properties.find((x) => x.name === p)!;
    const commands = workload(family, config);
    // The reference holds on these commands; the broken one fails this property.
    expect(runCase(family.reference as never, config as never, commands as never, [property], { auditEvery: 1 }).failure).toBeNull();
    const r = runCase(broken(family.reference as never, BROKEN[p](family)), config as never, commands as never, [property], { auditEvery: 1 });
    expect(r.failure?.property, r.failure?.violation.message).toBe(p);
  });
});
