// impl/virtqueue.ts: a buffer stays on its queue from the driver's add until the driver consumes
// the device's acknowledgement (VIRTIO 2.7: available ring, then used ring), so the in-flight
// list is what an observer sees; buffers are served oldest first per queue.
import { describe, expect, it } from 'vitest';
import { VirtQueues } from '../../impl/virtio/virtqueue.ts';

describe('VirtQueues', () => {
  it('numbers buffers from 1 and keeps them in order of adding', () => {
    const q = new VirtQueues();
    const a = q.add('inflate', 'driver', [1, 2]);
    const b = q.add('stats', 'driver', []);
    expect([a.id, b.id]).toEqual([1, 2]);
    expect(q.buffers.map((x) => [x.id, x.queue, x.acked])).toEqual([[1, 'inflate', false], [2, 'stats', false]]);
  });

  it('serves the oldest unacknowledged buffer of a queue to the device', () => {
    const q = new VirtQueues();
    const a = q.add('inflate', 'driver', [1]);
    const b = q.add('inflate', 'hostile', [2]);
    q.add('deflate', 'driver', [3]);
    expect(q.nextForDevice('inflate')).toBe(a);
    a.acked = true;
    expect(q.nextForDevice('inflate')).toBe(b);
    expect(q.nextForDevice('stats')).toBeUndefined();
  });

  it('gives the driver the oldest acknowledgement of any queue, and drops a consumed buffer', () => {
    const q = new VirtQueues();
    const a = q.add('inflate', 'driver', [1]);
    const b = q.add('deflate', 'driver', [2]);
    expect(q.nextAck()).toBeUndefined();
    b.acked = true;
    a.acked = true;
    expect(q.nextAck()).toBe(a);
    q.remove(a);
    expect(q.nextAck()).toBe(b);
    q.remove(a); // already gone: nothing else moves
    expect(q.buffers).toEqual([b]);
  });

  it('counts as pending only the driver\'s own buffers, acknowledged or not', () => {
    const q = new VirtQueues();
    q.add('inflate', 'hostile', [9]);
    expect(q.pending('inflate')).toBeUndefined();
    const own = q.add('inflate', 'driver', [1]);
    own.acked = true;
    expect(q.pending('inflate')).toBe(own);
    q.clear();
    expect(q.buffers).toEqual([]);
  });
});
