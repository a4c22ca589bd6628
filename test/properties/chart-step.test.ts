/**
 * properties/chart-step.ts: a chart stepped over snapshots by the pure transition, memoized or not, goes
 * exactly where a live XState actor goes, and refuses exactly what the actor refuses (stays on
 * the same snapshot and no transition of its state takes the event), cache hits included.
 */
import fc from 'fast-check';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { guestConfig } from '../../core/virtio/index.ts';
import { guestMachine, modelInput, type GuestEvent } from '../../model/virtio/index.ts';
import { chartInitial, chartStep, chartStepDirect, snapshotActor } from '../../properties/chart-step.ts';
import { explorerEvents } from '../../properties/explore.ts';

const input = modelInput(guestConfig({ ramPages: 4, floorPages: 1 }), 2);
// Events that some state refuses: the explorer's choices of other states, and a few off-script ones.
const stray: GuestEvent[] = [
  { type: 'PAGES_FREED', size: 1 }, { type: 'ACK_CONSUMED', queue: 'inflate', id: 7 }, { type: 'ACTUAL_WRITTEN', actual: 3 },
  { type: 'BUFFER_PROCESSED', queue: 'deflate', id: 2, accepted: 1, refused: 0 }, { type: 'DRIVER_IDLE' },
];

describe('chartStep and snapshotActor', () => {
  it('go where a live actor goes, refusal for refusal, over random walks (the cache shared across runs)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 40 }), (walk) => {
      const live = createActor(guestMachine, { input }).start();
      const copy = snapshotActor(guestMachine, input, live.getSnapshot());
      // The unmemoized step from the initial snapshot resolved without an actor (a campaign's charts).
      let direct = chartInitial(guestMachine, input);
      expect([direct.value, direct.context, direct.status]).toEqual([live.getSnapshot().value, live.getSnapshot().context, 'active']);
      for (const [off, pick] of walk) {
        const here = explorerEvents(live.getSnapshot());
        const e = off ? stray[pick % stray.length] : here[pick % here.length];
        const before = live.getSnapshot();
        const refusedLive = (() => { live.send(e); return live.getSnapshot() === before && guestMachine.getTransitionData(before as never, e).length === 0; })();
        const cbefore = copy.getSnapshot();
        const r = chartStep(guestMachine, input, cbefore, e);
        copy.send(e);
        expect(r.refused).toBe(refusedLive);
        const d = chartStepDirect(guestMachine, input, direct, e);
        expect(d.refused).toBe(refusedLive);
        if (d.next !== null) direct = d.next;
        expect([direct.value, direct.context]).toEqual([live.getSnapshot().value, live.getSnapshot().context]);
        // Unmoved means unchanged (a cache hit may hand back the very snapshot the copy is on:
        // equal state and event gave it before; only the value counts, as for the actor).
        if (r.next === null) expect(copy.getSnapshot()).toBe(cbefore);
        expect([copy.getSnapshot().value, copy.getSnapshot().context]).toEqual([live.getSnapshot().value, live.getSnapshot().context]);
      }
      live.stop();
    }), { numRuns: 200 });
  });
  it('a stray event is refused somewhere on the walks (the refusal branch is exercised)', () => {
    const s = createActor(guestMachine, { input }).start().getSnapshot();
    expect(chartStep(guestMachine, input, s, { type: 'ACK_CONSUMED', queue: 'inflate', id: 7 }).refused).toBe(true);
    expect(chartStep(guestMachine, input, s, { type: 'TARGET_SET', requested: 2, target: 2 }).next).not.toBeNull();
  });
});
