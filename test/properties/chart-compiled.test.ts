/**
 * properties/chart-compiled.ts: the chart compiled from its XState definition goes exactly where
 * a live XState actor goes (state value with its key order, context), refuses exactly what the
 * actor refuses, and stays on the very snapshot exactly when the actor does, over random walks
 * from random inputs (profiles and features), with off-script events and resets.
 */
import fc from 'fast-check';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { guestConfig } from '../../core/virtio/index.ts';
import { guestMachine, modelInput, type GuestEvent } from '../../model/virtio/index.ts';
import { compileChart, machineSnapshot } from '../../properties/chart-compiled.ts';
import { chartStepDirect } from '../../properties/chart-step.ts';
import { explorerEvents } from '../../properties/explore.ts';
import { hintConfigFor } from '../../core/virtio/hinting.ts';
import { hintMachine } from '../../model/virtio/hinting-machine.ts';
import type { HintEvent } from '../../model/virtio/hinting-rules.ts';

const compiled = compileChart(guestMachine)!;
const stray: GuestEvent[] = [
  { type: 'PAGES_FREED', size: 1 }, { type: 'ACK_CONSUMED', queue: 'inflate', id: 7 }, { type: 'ACTUAL_WRITTEN', actual: 3 },
  { type: 'BUFFER_PROCESSED', queue: 'deflate', id: 2, accepted: 1, refused: 0 }, { type: 'DRIVER_IDLE' }, { type: 'RESET' },
  { type: 'FEATURES_OK' }, { type: 'DRIVER_OK' }, { type: 'POISON_WRITTEN', value: 0 }, { type: 'ALLOC_FAILED' } as GuestEvent,
  { type: 'TARGET_SET', requested: 2, target: 2 }, { type: 'DEVICE_IDLE', queue: 'inflate' },
];
const inputArb = fc.record({
  ramPages: fc.integer({ min: 2, max: 8 }), floorPages: fc.integer({ min: 0, max: 2 }), maxBatch: fc.integer({ min: 1, max: 4 }),
  profile: fc.constantFrom('linux', 'spec', 'firecracker') as fc.Arbitrary<'linux' | 'spec' | 'firecracker'>,
  statsVq: fc.boolean(), deflateOnOom: fc.boolean(), mustTellHost: fc.boolean(), pageReporting: fc.boolean(),
}).map(({ maxBatch, profile, statsVq, deflateOnOom, mustTellHost, pageReporting, ...g }) =>
  modelInput(guestConfig({ ...g, features: { statsVq, deflateOnOom, mustTellHost, ...(pageReporting ? { pageReporting } : {}) } }), maxBatch, profile));

type GuestSnapshot = ReturnType<ReturnType<typeof createActor<typeof guestMachine>>['getSnapshot']>;
const walkArb = fc.array(fc.tuple(fc.nat(3), fc.nat()), { maxLength: 60 });

/**
 * A live actor of the guest chart walked by `walk` (off-script events when the first number is 0,
 * else one of the events its state takes), `onStep` told of each event, the snapshots around it
 * and whether the actor refused it; the walk ends where the actor stops.
 */
function walkLive(input: Parameters<typeof compiled.initial>[0], walk: [number, number][], onStep: (e: GuestEvent, before: GuestSnapshot, after: GuestSnapshot, refused: boolean) => void): GuestSnapshot {
  const live = createActor(guestMachine, { input: input as never }).start();
  const first = live.getSnapshot();
  for (const [off, pick] of walk) {
    const here = explorerEvents(live.getSnapshot());
    const e = off === 0 ? stray[pick % stray.length] : here[pick % here.length];
    const before = live.getSnapshot();
    live.send(e);
    const after = live.getSnapshot();
    onStep(e, before, after, after === before && guestMachine.getTransitionData(before as never, e).length === 0);
    if (after.status !== 'active') break;
  }
  live.stop();
  return first;
}

describe('compiled chart', () => {
  it('compiles the virtio guest chart', () => expect(compiled).not.toBeNull());
  it('goes where a live actor goes, refusal for refusal, over random walks', () => {
    fc.assert(fc.property(inputArb, walkArb, (input, walk) => {
      let c = compiled.initial(input);
      const first = walkLive(input, walk, (e, before, after, refusedLive) => {
        // From XState's snapshot for the compiled one (a fork's conversion): the same step.
        const viaXState = chartStepDirect(guestMachine, input, machineSnapshot(guestMachine, c) as never, e);
        const r = compiled.step(c, e);
        expect(r.refused).toBe(refusedLive);
        expect(r.next === null).toBe(after === before);
        expect(viaXState.refused).toBe(refusedLive);
        if (r.next !== null) c = r.next;
        expect(JSON.stringify(c.value)).toBe(JSON.stringify(after.value));
        expect(c.context).toEqual(after.context);
      });
      const c0 = compiled.initial(input);
      expect(JSON.stringify(c0.value)).toBe(JSON.stringify(first.value));
      expect(c0.context).toEqual(first.context);
    }), { numRuns: 300 });
  });
  it('keeps at most maxConfs configurations, and starting its table over changes no step', () => {
    // A table of 4 starts over many times in these walks (the unbounded chart beside it shows that
    // the walks meet more than 4); every step still matches a live actor's, key order included.
    const bounded = compileChart(guestMachine, { maxConfs: 4 })!;
    const unbounded = compileChart(guestMachine, { maxConfs: Infinity })!;
    fc.assert(fc.property(inputArb, walkArb, (input, walk) => {
      let c = bounded.initial(input);
      let u = unbounded.initial(input);
      walkLive(input, walk, (e, before, after, refusedLive) => {
        const r = bounded.step(c, e);
        expect(r.refused).toBe(refusedLive);
        expect(r.next === null).toBe(after === before);
        if (r.next !== null) c = r.next;
        u = unbounded.step(u, e).next ?? u;
        expect(JSON.stringify(c.value)).toBe(JSON.stringify(after.value));
        expect(c.context).toEqual(after.context);
        expect(bounded.confCount).toBeLessThanOrEqual(4);
      });
    }), { numRuns: 300 });
    expect(unbounded.confCount).toBeGreaterThan(4 * 10);
  });
  it('compiles the hinting chart, and it too goes where a live actor goes', () => {
    const hint = compileChart(hintMachine)!;
    expect(hint).not.toBeNull();
    const small = fc.integer({ min: 0, max: 3 });
    const ev: fc.Arbitrary<HintEvent> = fc.oneof(
      small.map((cmdId) => ({ type: 'CMD_ID_SET' as const, cmdId: cmdId + 2 })),
      fc.constantFrom(0, 1, 2, 3, 4).chain((cmdId) => fc.record({ id: small, bytes: fc.constantFrom(4, 8) }).map((r) => ({ type: 'CMD_QUEUED' as const, cmdId, ...r }))),
      fc.record({ id: small, size: fc.integer({ min: 1, max: 2 }) }).map((r) => ({ type: 'HINTS_QUEUED' as const, ...r })),
      fc.record({ id: small, taken: fc.integer({ min: 0, max: 2 }), ignored: fc.integer({ min: 0, max: 1 }) }).map((r) => ({ type: 'HINT_PROCESSED' as const, ...r })),
      fc.integer({ min: 1, max: 2 }).map((size) => ({ type: 'HINTS_RETURNED' as const, size })),
      fc.constantFrom<HintEvent>({ type: 'ALLOCATED' }, { type: 'FREED' }, { type: 'DRIVER_IDLE' }, { type: 'DEVICE_IDLE' }),
    );
    let moved = 0;
    fc.assert(fc.property(fc.constantFrom('spec', 'linux') as fc.Arbitrary<'spec' | 'linux'>, fc.array(ev, { maxLength: 40 }), (profile, walk) => {
      const input = hintConfigFor(profile);
      const live = createActor(hintMachine, { input }).start();
      let c = hint.initial(input);
      expect(JSON.stringify(c.value)).toBe(JSON.stringify(live.getSnapshot().value));
      for (const e of walk) {
        const before = live.getSnapshot();
        live.send(e);
        const after = live.getSnapshot();
        const r = hint.step(c, e);
        expect(r.refused).toBe(after === before && hintMachine.getTransitionData(before as never, e as never).length === 0);
        expect(r.next === null).toBe(after === before);
        if (r.next !== null) { c = r.next; moved++; }
        expect(JSON.stringify(c.value)).toBe(JSON.stringify(after.value));
        expect(c.context).toEqual(after.context);
      }
      live.stop();
    }), { numRuns: 300 });
    expect(moved).toBeGreaterThan(100);
  });
});
