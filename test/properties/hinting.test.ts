/**
 * Free page hinting (VIRTIO 1.2 5.5.6.5, statements 37-52): the reference driver and device keep
 * every hinting property under both profiles; each seeded fault is found by the general
 * properties at 20 of 20 seeds; what the spec permits is accepted, and what a SHOULD asks is
 * required only under the linux profile; a system that does nothing fails; runs are deterministic.
 */
import { createActor, type AnyTransitionDefinition } from 'xstate';
import { chartInventory } from '../../model/inventory.ts';
import { describe, expect, it } from 'vitest';
import { CMD_ID_DONE, CMD_ID_STOP, HintPage, hintConfig, type HintCommand, type HintObservation, type HintProfile, type HintStepResult, type HintSystem } from '../../core/virtio/hinting.ts';
import { HINT_FAULTS, hintFaultNames, ReferenceHintSystem } from '../../impl/virtio/hinting.ts';
import { hintMachine, hintStepEvents } from '../../model/virtio/hinting-machine.ts';
import type { HintEvent } from '../../model/virtio/hinting-rules.ts';
import { checkHinting, HINT_PROPERTIES, hintWorkloadArb, runHintCase } from '../../properties/virtio/hinting/run.ts';
import fc from 'fast-check';
import { exploreHinting } from '../../properties/virtio/hinting/explore.ts';

const SEED = Number(process.env.FC_SEED ?? 42);
const seeds = Array.from({ length: 20 }, (_, i) => SEED + i);

/** Feed events to the chart held to `profile`: the index of each refused event. */
function refusals(profile: HintProfile, events: HintEvent[]): number[] {
  const a = createActor(hintMachine, { input: hintConfig({ profile, pages: 4 }) }).start();
  const out: number[] = [];
  events.forEach((e, i) => {
    const before = a.getSnapshot();
    a.send(e);
    if (a.getSnapshot() === before && hintMachine.getTransitionData(before as never, e as never).length === 0) out.push(i);
  });
  return out;
}

/** A round opened and served: id 2 set, its buffer sent and served. */
const opened: HintEvent[] = [
  { type: 'CMD_ID_SET', cmdId: 2 },
  { type: 'CMD_QUEUED', id: 1, cmdId: 2, bytes: 4 },
  { type: 'HINT_PROCESSED', id: 1, taken: 0, ignored: 0 },
];

describe('free page hinting: the reference keeps every property', () => {
  for (const profile of ['linux', 'spec'] as const) {
    it(`under ${profile}, at 20 seeds`, () => {
      for (const seed of seeds) {
        const r = checkHinting({ seed, runs: 40, config: hintConfig({ profile }) });
        expect(r.failure, `seed ${seed}`).toBeNull();
        expect(r.numRuns).toBe(40);
      }
    });
  }

  it('drops hinted pages at DONE and fills them again on their way back (statement 50 permitted, 44-46 kept)', () => {
    const cmds: HintCommand[] = [
      { kind: 'hint-request' }, { kind: 'hint-driver', pages: 1, pick: 0 }, { kind: 'hint-driver', pages: 2, pick: 0 },
      { kind: 'hint-device' }, { kind: 'hint-device' }, { kind: 'hint-done' }, { kind: 'hint-driver', pages: 1, pick: 0 },
      { kind: 'alloc', pick: 0 }, { kind: 'alloc', pick: 0 },
    ];
    const sys = new ReferenceHintSystem(hintConfig());
    const kinds = cmds.flatMap((c) => sys.apply(c).effects.map((e) => e.kind));
    expect(kinds.filter((k) => k === 'page-dropped')).toHaveLength(2);
    expect(kinds).toContain('hints-returned');
    expect(runHintCase(cmds)).toBeNull();
  });
});

describe('free page hinting: the seeded faults', () => {
  for (const name of hintFaultNames) {
    it(`${name} is found by ${HINT_FAULTS[name].catches.join(' or ')} at 20 of 20 seeds`, () => {
      const missed: number[] = [];
      for (const seed of seeds) {
        // Unshrunk: which property fires first is the same, and the test spends nothing on shrinking.
        const r = checkHinting({ seed, runs: 800, faults: { [name]: true }, shrink: false });
        if (!r.failure) { missed.push(seed); continue; }
        expect(HINT_FAULTS[name].catches as readonly string[], `seed ${seed}: ${r.failure.message}`).toContain(r.failure.property);
      }
      expect(missed).toEqual([]);
    });
  }

  it('a counterexample is the same program for the same seed, and replays', () => {
    const a = checkHinting({ seed: SEED, runs: 800, faults: { 'hint-stale-id': true } });
    const b = checkHinting({ seed: SEED, runs: 800, faults: { 'hint-stale-id': true } });
    expect(a.failure).not.toBeNull();
    expect(b.failure).toEqual(a.failure);
  });
});

describe('free page hinting: what the spec permits and the profiles narrow', () => {
  it('43: the driver may take hinted pages back before DONE, before the device used the buffer', () => {
    const cmds: HintCommand[] = [
      { kind: 'hint-request' }, { kind: 'hint-driver', pages: 1, pick: 0 }, { kind: 'hint-driver', pages: 2, pick: 0 },
      { kind: 'hint-release', pages: 2, pick: 0 }, { kind: 'hint-device' }, { kind: 'hint-device' }, { kind: 'hint-done' },
      { kind: 'alloc', pick: 0 }, { kind: 'write', pick: 0 }, { kind: 'read', pick: 0 },
    ];
    for (const profile of ['linux', 'spec'] as const) expect(runHintCase(cmds, hintConfig({ profile }))).toBeNull();
  });

  it('40: a driver that leaves an open round unserved, free pages at hand, is accepted under spec only', () => {
    const idle: HintEvent[] = [...opened, { type: 'DRIVER_IDLE' }];
    expect(refusals('spec', idle)).toEqual([]);
    expect(refusals('linux', idle)).toEqual([3]);
  });

  it('41: hints after STOP are accepted under spec only', () => {
    const late: HintEvent[] = [...opened, { type: 'CMD_ID_SET', cmdId: CMD_ID_STOP }, { type: 'HINTS_QUEUED', id: 2, size: 1 }];
    expect(refusals('spec', late)).toEqual([]);
    expect(refusals('linux', late)).toEqual([4]);
  });

  it('46: keeping hinted pages after DONE is accepted under spec only', () => {
    const keep: HintEvent[] = [...opened, { type: 'HINTS_QUEUED', id: 2, size: 1 }, { type: 'CMD_QUEUED', id: 3, cmdId: CMD_ID_STOP, bytes: 4 }, { type: 'CMD_ID_SET', cmdId: CMD_ID_DONE }, { type: 'DRIVER_IDLE' }];
    expect(refusals('spec', keep)).toEqual([]);
    expect(refusals('linux', keep)).toEqual([6]);
  });

  it('42: a driver with the round open and no free page must send STOP, under every profile', () => {
    const stuck: HintEvent[] = [...opened, { type: 'HINTS_QUEUED', id: 2, size: 4 }, { type: 'DRIVER_IDLE' }];
    for (const profile of ['linux', 'spec'] as const) expect(refusals(profile, stuck)).toEqual([4]);
  });

  it('37, 38, 39: a 4-byte buffer with the current id, once', () => {
    expect(refusals('spec', [{ type: 'CMD_ID_SET', cmdId: 2 }, { type: 'CMD_QUEUED', id: 1, cmdId: 2, bytes: 8 }])).toEqual([1]);
    expect(refusals('spec', [{ type: 'CMD_ID_SET', cmdId: 3 }, { type: 'CMD_QUEUED', id: 1, cmdId: 2, bytes: 4 }])).toEqual([1]);
    expect(refusals('spec', [{ type: 'CMD_ID_SET', cmdId: 2 }, { type: 'HINTS_QUEUED', id: 1, size: 1 }])).toEqual([1]);
    expect(refusals('spec', [...opened, { type: 'CMD_QUEUED', id: 2, cmdId: 2, bytes: 4 }])).toEqual([3]);
  });

  it('48: an id may be issued again once STOP came back, not before', () => {
    const stop: HintEvent[] = [{ type: 'CMD_QUEUED', id: 2, cmdId: CMD_ID_STOP, bytes: 4 }, { type: 'HINT_PROCESSED', id: 2, taken: 0, ignored: 0 }];
    expect(refusals('spec', [...opened, ...stop, { type: 'CMD_ID_SET', cmdId: 2 }])).toEqual([]);
    expect(refusals('spec', [...opened, { type: 'CMD_ID_SET', cmdId: 2 }])).toEqual([3]);
  });

  it('49: pages sent under an old id are ignored; taking them is refused', () => {
    const stale: HintEvent[] = [...opened, { type: 'HINTS_QUEUED', id: 2, size: 1 }, { type: 'CMD_ID_SET', cmdId: 3 }, { type: 'HINT_PROCESSED', id: 2, taken: 1, ignored: 0 }];
    expect(refusals('spec', stale)).toEqual([5]);
    stale[5] = { type: 'HINT_PROCESSED', id: 2, taken: 0, ignored: 1 };
    expect(refusals('spec', stale)).toEqual([]);
  });
});

describe('free page hinting: no property passes a system that does nothing', () => {
  const still = (o: HintObservation): HintSystem => ({ apply: (): HintStepResult => ({ outcome: 'accepted', effects: [] }), observe: () => o });
  const refuseAll = (o: HintObservation): HintSystem => ({ apply: (): HintStepResult => ({ outcome: 'refused', code: 'hint/no-round', effects: [] }), observe: () => o });
  const blank: HintObservation = { cmdId: 0, state: new Array<number>(8).fill(HintPage.Free), content: [], queued: [] };
  for (const [name, make] of [['accepts and does nothing', still], ['refuses everything', refuseAll]] as const) {
    it(`a system that ${name} fails`, () => {
      const out = fc.check(fc.property(hintWorkloadArb(), (cmds) => runHintCase(cmds, hintConfig(), () => make(blank), HINT_PROPERTIES) === null), { seed: SEED, numRuns: 20 });
      expect(out.failed).toBe(true);
    });
  }
});

describe('the hinting chart is reached in full by the seeded workload', () => {
  it('every state of both regions', () => {
    const seen = new Set<string>();
    const leaves = (v: unknown, at = ''): string[] => typeof v === 'string' ? [`${at}${v}`] : Object.entries(v as object).flatMap(([k, x]) => leaves(x, `${at}${k}.`));
    for (const cmds of fc.sample(hintWorkloadArb(), { seed: SEED, numRuns: 200 })) {
      const a = createActor(hintMachine, { input: hintConfig() }).start();
      const sys = new ReferenceHintSystem(hintConfig());
      for (const c of cmds) {
        const r = sys.apply(c);
        for (const e of hintStepEvents(c, r)) a.send(e);
        for (const l of leaves(a.getSnapshot().value)) seen.add(l);
      }
    }
    expect([...seen].sort()).toEqual(['device.done', 'device.idle', 'device.requested', 'device.started', 'device.stopped', 'driver.hinting', 'driver.idle']);
  });
});


describe('free page hinting: breadth-first exploration (properties/virtio/hinting/explore.ts)', () => {
  it('pins the distinct states of 3 pages to depth 5, with no violation on the reference', () => {
    const r = exploreHinting(5);
    expect(r.failure).toBeNull();
    // A change to the protocol (a command, a state of the device or driver) moves these numbers.
    expect(r.states).toEqual([1, 3, 10, 30, 85, 237]);
  });

  const depths: [string, number, string][] = [['hint-id-reuse', 2, 'hint-chart'], ['hint-cmd-twice', 3, 'hint-chart'], ['hint-stale-id', 6, 'hint-chart'], ['hint-modify-after-done', 7, 'hint-device-drops']];
  for (const [fault, depth, property] of depths) {
    it(`${fault} is found at depth ${depth}, not one shorter, by ${property}`, () => {
      const r = exploreHinting(depth, { [fault]: true });
      expect(r.failure?.depth).toBe(depth);
      expect(r.failure?.property).toBe(property);
      expect(r.failure?.program).toHaveLength(depth);
    });
  }
});

describe('the hinting chart: every transition', () => {
  it('is taken by the seeded reference workload (linux), but the spec-only ones, which the refusal tests take', () => {
    const inv = chartInventory(hintMachine);
    const taken = new Set<string>();
    const inspect = (ev: { type: string; _transitions?: AnyTransitionDefinition[] }) => {
      if (ev.type === '@xstate.microstep') for (const t of ev._transitions ?? []) { const e = inv.byDef.get(t); if (e) taken.add(e.label); }
    };
    for (const cmds of fc.sample(hintWorkloadArb(), { seed: SEED, numRuns: 300 })) {
      const a = createActor(hintMachine, { input: hintConfig(), inspect: inspect as never }).start();
      const sys = new ReferenceHintSystem(hintConfig());
      for (const c of cmds) for (const e of hintStepEvents(c, sys.apply(c))) a.send(e);
    }
    const owed = inv.transitions.filter((t) => t.only === null).map((t) => t.label);
    expect(owed.filter((l) => !taken.has(l))).toEqual([]);
    expect(inv.transitions.filter((t) => t.only !== null).map((t) => t.label)).toEqual([
      'driver.idle --CMD_QUEUED [stopAllowed]--> (internal)',
      'driver.hinting --CMD_QUEUED [startAllowed]--> (internal)',
    ]);
    // The spec-only ones, fed directly: accepted under spec, refused under linux.
    const stray: HintEvent[] = [{ type: 'CMD_QUEUED', id: 1, cmdId: CMD_ID_STOP, bytes: 4 }];
    expect(refusals('spec', stray)).toEqual([]);
    expect(refusals('linux', stray)).toEqual([0]);
    const over: HintEvent[] = [...opened, { type: 'CMD_ID_SET', cmdId: 3 }, { type: 'CMD_QUEUED', id: 2, cmdId: 3, bytes: 4 }];
    expect(refusals('spec', over)).toEqual([]);
    expect(refusals('linux', over)).toEqual([4]);
  });
});
