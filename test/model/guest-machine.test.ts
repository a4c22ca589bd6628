import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { feedGuestChart } from '../helpers/virtio-chart.ts';
import { defaultFeatures, guestConfig, type VirtioFeatures } from '../../core/virtio/index.ts';
import { guestMachine, modelInput, type GuestEvent } from '../../model/virtio/index.ts';
import { formatStateValue } from '../../model/index.ts';

type Over = { features?: Partial<VirtioFeatures> };
const input = (over: Over = {}) => modelInput(guestConfig({ ramPages: 8, floorPages: 2, features: { ...defaultFeatures, statsVq: true, deflateOnOom: false, ...over.features } }), 4);

/** Feed events; the list of those the chart refused, with the reason. */
function feed(events: GuestEvent[], over: Over = {}) {
  return feedGuestChart(input(over), events);
}

const inflate4: GuestEvent[] = [
  { type: 'TARGET_SET', requested: 4, target: 4 },
  { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 4 },
];

describe('virtio guest chart', () => {
  it('starts idle with the stats buffer posted', () => {
    const s = createActor(guestMachine, { input: input() }).start().getSnapshot();
    expect(formatStateValue(s.value)).toBe('driver.idle oom.off lifecycle.driverOk device.inflateq.idle device.deflateq.idle device.statsq.posted device.reportq.off');
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

  it('refuses a batch beyond maxBatch or beyond the floor, counting batches in flight', () => {
    expect(feed([{ type: 'TARGET_SET', requested: 8, target: 8 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 5 }]).refused[0]).toMatch(/maxBatch/);
    expect(feed([{ type: 'TARGET_SET', requested: 8, target: 8 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 4 },
      { type: 'BUFFER_PROCESSED', queue: 'inflate', id: 2, accepted: 4, refused: 0 }, { type: 'ACK_CONSUMED', queue: 'inflate', id: 2 },
      { type: 'ACTUAL_WRITTEN', actual: 4 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 3, origin: 'driver', size: 4 }]).refused[0]).toMatch(/floor/);
    // Two batches in flight may not reach past the floor together (wanted is 6 of 8 pages).
    expect(feed([{ type: 'TARGET_SET', requested: 8, target: 8 }, { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 4 },
      { type: 'BUFFER_QUEUED', queue: 'inflate', id: 3, origin: 'driver', size: 4 }]).refused[0]).toMatch(/floor/);
  });

  it('refuses a driver deflate of pages whose inflate is unacknowledged, also with a batch in flight', () => {
    expect(feed([...inflate4, { type: 'TARGET_SET', requested: 0, target: 0 },
      { type: 'BUFFER_QUEUED', queue: 'deflate', id: 3, origin: 'driver', size: 1 }]).refused[0]).toMatch(/only acknowledged balloon pages/);
  });

  it('refuses deflating a page whose inflate is unacknowledged', () => {
    expect(feed([...inflate4, { type: 'ALLOC_FAILED', pages: 8 }, { type: 'BUFFER_QUEUED', queue: 'deflate', id: 3, origin: 'oom', size: 1 }],
      { features: { deflateOnOom: true } }).refused[0]).toMatch(/gives back only acknowledged balloon pages/);
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

  it('refuses a driver step that idles with actual out of date and nothing of its own in flight', () => {
    const acked: GuestEvent[] = [...inflate4, { type: 'BUFFER_PROCESSED', queue: 'inflate', id: 2, accepted: 4, refused: 0 }, { type: 'ACK_CONSUMED', queue: 'inflate', id: 2 }];
    const r = feed([...acked, { type: 'DRIVER_IDLE' }]);
    expect(r.refused[0]).toMatch(/actual out of date/);
    expect(formatStateValue(r.snapshot.value)).toMatch(/^driver\.updatingActual /);
  });

  it('reset empties the balloon, keeps the target and re-posts stats', () => {
    const { snapshot, refused } = feed([...inflate4, { type: 'RESET' }, { type: 'ACTUAL_WRITTEN', actual: 0 },
      { type: 'BUFFER_QUEUED', queue: 'stats', id: 3, origin: 'driver', size: 0 }]);
    expect(refused).toEqual([]);
    expect(snapshot.context).toMatchObject({ target: 4, actual: 0, inflating: 0, free: 8, wantsWork: true });
    expect(snapshot.value).toMatchObject({ driver: 'idle', device: { statsq: 'posted' } });
  });

  it('refuses moving the balloon before the reloaded driver wrote actual', () => {
    expect(feed([{ type: 'TARGET_SET', requested: 4, target: 4 }, { type: 'RESET' },
      { type: 'BUFFER_QUEUED', queue: 'inflate', id: 2, origin: 'driver', size: 4 }]).refused[0]).toMatch(/reloaded driver writes actual/);
  });
});

/** What VIRTIO 1.x 5.5.6.1 leaves to the driver, which the Linux driver (and the reference) does one way. */
describe('virtio guest chart: the freedoms of the spec', () => {
  const processed = (queue: 'inflate' | 'deflate', id: number, size: number): GuestEvent => ({ type: 'BUFFER_PROCESSED', queue, id, accepted: size, refused: 0 });
  const ack = (queue: 'inflate' | 'deflate', id: number): GuestEvent => ({ type: 'ACK_CONSUMED', queue, id });
  const queued = (queue: 'inflate' | 'deflate', id: number, size: number): GuestEvent => ({ type: 'BUFFER_QUEUED', queue, id, origin: 'driver', size });
  /** Balloon of 4 acknowledged, actual 4, target 4. */
  const ballooned4: GuestEvent[] = [...inflate4, processed('inflate', 2, 4), ack('inflate', 2), { type: 'ACTUAL_WRITTEN', actual: 4 }];

  it('accepts smaller batches than maxBatch', () => {
    const { refused, snapshot } = feed([{ type: 'TARGET_SET', requested: 3, target: 3 }, queued('inflate', 2, 1), processed('inflate', 2, 1), ack('inflate', 2),
      { type: 'ACTUAL_WRITTEN', actual: 1 }, queued('inflate', 3, 2), processed('inflate', 3, 2), ack('inflate', 3), { type: 'ACTUAL_WRITTEN', actual: 3 }]);
    expect(refused).toEqual([]);
    expect(snapshot.context).toMatchObject({ actual: 3, ballooned: 3 });
  });

  it('accepts several batches of its own in flight on a queue, acknowledged in any order', () => {
    const { refused, snapshot } = feed([{ type: 'TARGET_SET', requested: 6, target: 6 },
      queued('inflate', 2, 2), queued('inflate', 3, 2), queued('inflate', 4, 2), { type: 'DRIVER_IDLE' },
      processed('inflate', 2, 2), processed('inflate', 3, 2), ack('inflate', 3), { type: 'ACTUAL_WRITTEN', actual: 2 },
      ack('inflate', 2), { type: 'ACTUAL_WRITTEN', actual: 4 }]);
    expect(refused).toEqual([]);
    expect(snapshot.value).toMatchObject({ driver: 'inflating' });
    expect(snapshot.context).toMatchObject({ actual: 4, ballooned: 4, inflating: 2 });
  });

  it('accepts a deflate of acknowledged pages while an inflate is in flight', () => {
    const { refused, snapshot } = feed([...ballooned4, { type: 'TARGET_SET', requested: 6, target: 6 }, queued('inflate', 3, 2),
      { type: 'TARGET_SET', requested: 1, target: 1 }, queued('deflate', 4, 3), processed('deflate', 4, 3), ack('deflate', 4),
      { type: 'PAGES_REUSED', size: 3 }, { type: 'ACTUAL_WRITTEN', actual: 1 }]);
    expect(refused).toEqual([]);
    expect(snapshot.value).toMatchObject({ driver: 'inflating' });
    expect(snapshot.context).toMatchObject({ actual: 1, ballooned: 1, inflating: 2 });
  });

  it('accepts actual written once after several batches, and only as the acknowledged balloon', () => {
    const batched: GuestEvent[] = [{ type: 'TARGET_SET', requested: 6, target: 6 }, queued('inflate', 2, 4), processed('inflate', 2, 4), ack('inflate', 2),
      queued('inflate', 3, 2), processed('inflate', 3, 2)];
    const done = feed([...batched, ack('inflate', 3), { type: 'ACTUAL_WRITTEN', actual: 6 }]);
    expect(done.refused).toEqual([]);
    expect(done.snapshot.value).toMatchObject({ driver: 'idle' });
    // While the second batch is unacknowledged, actual may count only the first.
    expect(feed([...batched, { type: 'ACTUAL_WRITTEN', actual: 6 }]).refused[0]).toMatch(/actual equals the acknowledged balloon/);
    expect(feed([...batched, { type: 'ACTUAL_WRITTEN', actual: 4 }]).refused).toEqual([]);
  });

  it('accepts reuse of deflated pages at once without MUST_TELL_HOST, and refuses it with', () => {
    const early: GuestEvent[] = [...ballooned4, { type: 'TARGET_SET', requested: 0, target: 0 }, queued('deflate', 3, 4), { type: 'PAGES_REUSED', size: 4 }];
    const without = feed([...early, processed('deflate', 3, 4), ack('deflate', 3), { type: 'ACTUAL_WRITTEN', actual: 0 }], { features: { mustTellHost: false } });
    expect(without.refused).toEqual([]);
    expect(without.snapshot.context).toMatchObject({ actual: 0, ballooned: 0, deflating: 0, free: 8, hostBalloon: 0 });
    expect(feed(early).refused[0]).toMatch(/with MUST_TELL_HOST not before the ack/);
  });
});
