import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { defaultFeatures, guestConfig, type VirtioFeatures } from '../../core/index.ts';
import { explainRefusal, guestMachine, modelInput, type GuestEvent } from '../../model/virtio/index.ts';
import { formatStateValue } from '../../model/index.ts';

type Over = { features?: Partial<VirtioFeatures> };
const input = (over: Over = {}) => modelInput(guestConfig({ ramPages: 8, floorPages: 2, features: { ...defaultFeatures, statsVq: true, deflateOnOom: false, ...over.features } }), 4);

/** Feed events; the list of those the chart refused, with the reason. */
function feed(events: GuestEvent[], over: Over = {}) {
  const a = createActor(guestMachine, { input: input(over) }).start();
  const refused: string[] = [];
  for (const e of events) {
    const before = a.getSnapshot();
    a.send(e);
    if (a.getSnapshot() === before && guestMachine.getTransitionData(before as never, e).length === 0) {
      refused.push(`${e.type}: ${explainRefusal(before.context, e) ?? 'state'}`);
    }
  }
  return { snapshot: a.getSnapshot(), refused };
}

const inflate4: GuestEvent[] = [
  { type: 'TARGET_SET', requested: 4, target: 4 },
  { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 4 },
];

describe('virtio guest chart', () => {
  it('starts idle with the stats buffer posted', () => {
    const s = createActor(guestMachine, { input: input() }).start().getSnapshot();
    expect(formatStateValue(s.value)).toBe('driver.idle oom.off device.inflateq.idle device.deflateq.idle device.statsq.posted');
    expect(s.context.inflight).toHaveLength(1);
  });

  it('accepts a whole inflate round: queue, process, consume, write actual', () => {
    const { snapshot, refused } = feed([
      ...inflate4,
      { type: 'BUFFER_PROCESSED', queue: 'inflate', id: 2, accepted: 4, refused: 0 },
      { type: 'ACK_CONSUMED', queue: 'inflate', id: 2 },
      { type: 'ACTUAL_WRITTEN', actual: 4 },
    ]);
    expect(refused).toEqual([]);
    expect(snapshot.value).toMatchObject({ driver: 'idle' });
    expect(snapshot.context).toMatchObject({ actual: 4, ballooned: 4, hostBalloon: 4, free: 4 });
  });

  it('refuses actual written before the acknowledgement (5.5.6.1)', () => {
    expect(feed([...inflate4, { type: 'ACTUAL_WRITTEN', actual: 4 }]).refused[0]).toMatch(/actual equals the acknowledged balloon/);
    // Even a correct value is refused while the batch is in flight: the chart is not in updatingActual.
    expect(feed([...inflate4, { type: 'ACTUAL_WRITTEN', actual: 0 }]).refused).toEqual(['ACTUAL_WRITTEN: state']);
  });

  it('refuses an actual that is not the acknowledged balloon', () => {
    const r = feed([...inflate4,
      { type: 'BUFFER_PROCESSED', queue: 'inflate', id: 2, accepted: 4, refused: 0 },
      { type: 'ACK_CONSUMED', queue: 'inflate', id: 2 },
      { type: 'ACTUAL_WRITTEN', actual: 3 }]);
    expect(r.refused[0]).toMatch(/actual equals the acknowledged balloon/);
  });

  it('refuses a batch beyond maxBatch, beyond the floor, or while one is in flight', () => {
    expect(feed([{ type: 'TARGET_SET', requested: 8, target: 8 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 5 }]).refused[0]).toMatch(/maxBatch/);
    expect(feed([{ type: 'TARGET_SET', requested: 8, target: 8 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 4 },
      { type: 'BUFFER_PROCESSED', queue: 'inflate', id: 2, accepted: 4, refused: 0 }, { type: 'ACK_CONSUMED', queue: 'inflate', id: 2 },
      { type: 'ACTUAL_WRITTEN', actual: 4 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 3, origin: 'driver', size: 4 }]).refused[0]).toMatch(/floor/);
    expect(feed([...inflate4, { type: 'BUFFER_QUEUED', queue: 'deflate', id: 3, origin: 'driver', size: 1 }]).refused[0]).toMatch(/one inflate or deflate batch/);
  });

  it('refuses deflating a page whose inflate is unacknowledged', () => {
    expect(feed([...inflate4, { type: 'ALLOC_FAILED', pages: 8 }, { type: 'BUFFER_QUEUED', queue: 'deflate', id: 3, origin: 'oom', size: 1 }],
      { features: { deflateOnOom: true } }).refused[0]).toMatch(/all acknowledged balloon pages/);
  });

  it('refuses an OOM deflate without DEFLATE_ON_OOM', () => {
    expect(feed([{ type: 'BUFFER_QUEUED', queue: 'deflate', id: 2, origin: 'oom', size: 1 }]).refused[0]).toMatch(/DEFLATE_ON_OOM/);
  });

  it('requires the OOM deflate when it was possible, and refuses a fake OOM', () => {
    const round: GuestEvent[] = [...inflate4, { type: 'BUFFER_PROCESSED', queue: 'inflate', id: 2, accepted: 4, refused: 0 },
      { type: 'ACK_CONSUMED', queue: 'inflate', id: 2 }, { type: 'ACTUAL_WRITTEN', actual: 4 }];
    const oom = { features: { deflateOnOom: true } };
    expect(feed([...round, { type: 'ALLOC_FAILED', pages: 5 }, { type: 'STEP_DONE' }], oom).refused).toEqual(['STEP_DONE: state']);
    expect(feed([...round, { type: 'ALLOC_FAILED', pages: 5 }, { type: 'BUFFER_QUEUED', queue: 'deflate', id: 3, origin: 'oom', size: 4 }, { type: 'STEP_DONE' }], oom).refused).toEqual([]);
    expect(feed([{ type: 'ALLOC_FAILED', pages: 2 }]).refused[0]).toMatch(/fewer guest pages are free/);
  });

  it('refuses a hostile buffer with any gpfn accepted, and a second stats buffer', () => {
    expect(feed([{ type: 'BUFFER_QUEUED', queue: 'deflate', id: 2, origin: 'hostile', size: 3 },
      { type: 'BUFFER_PROCESSED', queue: 'deflate', id: 2, accepted: 1, refused: 2 }]).refused[0]).toMatch(/refuses every gpfn of a malformed buffer/);
    expect(feed([{ type: 'BUFFER_QUEUED', queue: 'stats', id: 2, origin: 'driver', size: 0 }]).refused[0]).toMatch(/at most one stats buffer/);
  });

  it('refuses a driver step that idles while work is possible', () => {
    expect(feed([{ type: 'TARGET_SET', requested: 4, target: 4 }, { type: 'DRIVER_IDLE' }]).refused[0]).toMatch(/balloon work possible/);
    expect(feed([{ type: 'DRIVER_IDLE' }]).refused).toEqual([]);
  });

  it('reset empties the balloon, keeps the target and re-posts stats', () => {
    const { snapshot, refused } = feed([...inflate4, { type: 'RESET' }, { type: 'ACTUAL_WRITTEN', actual: 0 },
      { type: 'BUFFER_QUEUED', queue: 'stats', id: 3, origin: 'driver', size: 0 }]);
    expect(refused).toEqual([]);
    expect(snapshot.context).toMatchObject({ target: 4, actual: 0, inflating: 0, free: 8, wantsWork: true });
    expect(snapshot.value).toMatchObject({ driver: 'idle', device: { statsq: 'posted' } });
  });
});
