// impl/driver.ts: the Linux-like driver works toward the target one batch at a time, waits for
// each acknowledgement, writes `actual` only after it, aims at the target in whole guest pages
// above the floor, and deflates on OOM only with DEFLATE_ON_OOM (docs/families/virtio.md:
// 5.5.6, 5.5.6.1 and "What real systems do": Linux driver).
import { describe, expect, it } from 'vitest';
import { PageState, type Effect } from '../../core/virtio/index.ts';
import { OOM_DEFLATE_GPFNS } from '../../impl/virtio/driver.ts';
import { rig } from './rig.ts';

const kinds = (es: Effect[]) => es.map((e) => e.kind);
const noStats = { mustTellHost: true, statsVq: false, deflateOnOom: false };

describe('BalloonDriver', () => {
  it('posts one stats buffer at probe when STATS_VQ was negotiated, and none without it', () => {
    const withStats = rig();
    // FEATURES_OK, then the stats buffer, then DRIVER_OK (virtballoon_probe: init_vqs posts it before virtio_device_ready; statement 26).
    expect(withStats.fx((o) => withStats.drv.probe(o))).toMatchObject([
      { kind: 'device-status', status: 'features-ok' },
      { kind: 'buffer-queued', queue: 'stats', origin: 'driver', gpfns: [] },
      { kind: 'device-status', status: 'driver-ok' },
    ]);
    const without = rig({ features: noStats });
    expect(without.fx((o) => without.drv.probe(o)).map((e) => e.kind)).toEqual(['device-status', 'device-status']);
  });

  it('inflates one batch toward the target, then waits for its acknowledgement', () => {
    const { drv, dev, mem, q, fx } = rig({ features: noStats }, { maxBatch: 4 });
    dev.target = 6;
    const first = fx((o) => drv.step(o));
    expect(first).toMatchObject([{ kind: 'buffer-queued', queue: 'inflate', origin: 'driver', gpfns: [31, 30, 29, 28] }]);
    expect(mem.counts).toMatchObject({ inflating: 4, free: 28 });
    expect(fx((o) => drv.step(o))).toEqual([]); // its batch is in flight: nothing more
    expect(drv.actual).toBe(0);
    dev.process(q.buffers[0], []);
    const consumed = fx((o) => drv.step(o));
    expect(kinds(consumed)).toEqual(['ack-consumed', 'actual-written']);
    expect([drv.actual, mem.counts.ballooned, mem.pageState[31]]).toEqual([4, 4, PageState.Ballooned]);
    expect(fx((o) => drv.step(o))).toMatchObject([{ kind: 'buffer-queued', queue: 'inflate', gpfns: [27, 26] }]);
  });

  it('aims at the target in whole guest pages, kept above the floor', () => {
    const big = rig({ ramPages: 128, guestPageGpfns: 16, floorPages: 0 });
    big.dev.target = 1;
    expect(big.drv.wanted()).toBe(16);
    const floored = rig({ ramPages: 32, floorPages: 8 });
    floored.dev.target = 30;
    expect(floored.drv.wanted()).toBe(24);
    floored.dev.target = 0;
    expect(floored.drv.wanted()).toBe(0);
  });

  it('says it is out of puff when no free page is left to give, and keeps wanting work', () => {
    const { drv, dev, mem, fx } = rig({ ramPages: 4, features: noStats });
    for (let p = 0; p < 4; p++) { mem.free.delete(p); mem.setPage(p, PageState.Used); mem.used.add(p); }
    dev.target = 2;
    expect(fx((o) => drv.step(o))).toEqual([{ kind: 'out-of-puff', guest: 0 }]);
    expect(drv.wantsWork).toBe(true);
  });

  it('deflates when the target drops: pages stay deflating until the acknowledgement, then are free again', () => {
    const { drv, dev, mem, q, fx } = rig({ features: noStats });
    dev.target = 4;
    drv.step([]); dev.process(q.buffers[0], []); drv.step([]);
    dev.target = 1;
    expect(fx((o) => drv.step(o))).toMatchObject([{ kind: 'buffer-queued', queue: 'deflate', origin: 'driver', gpfns: [28, 29, 30] }]);
    expect(mem.counts).toMatchObject({ ballooned: 1, deflating: 3 });
    dev.process(q.buffers[0], []);
    const done = fx((o) => drv.step(o));
    expect(done).toMatchObject([{ kind: 'ack-consumed' }, { kind: 'pages-freed', gpfns: [28, 29, 30] }, { kind: 'actual-written', actual: 1 }]);
    expect(mem.counts).toMatchObject({ ballooned: 1, deflating: 0, free: 31 });
    expect(fx((o) => drv.step(o))).toEqual([]);
    expect(drv.wantsWork).toBe(false);
  });

  it('deflates on OOM only with DEFLATE_ON_OOM, at most one batch, tagged oom', () => {
    for (const deflateOnOom of [false, true]) {
      const { drv, dev, q, fx } = rig({ ramPages: 512, features: { mustTellHost: true, statsVq: false, deflateOnOom } }, { hostFrames: 600, maxBatch: 512 });
      dev.target = 400;
      drv.step([]); dev.process(q.buffers[0], []); drv.step([]);
      const out = fx((o) => drv.onOom(o));
      if (!deflateOnOom) expect(out).toEqual([]);
      else expect(out).toMatchObject([{ kind: 'buffer-queued', queue: 'deflate', origin: 'oom' }]);
      if (deflateOnOom) expect(out[0].kind === 'buffer-queued' && out[0].gpfns.length).toBe(OOM_DEFLATE_GPFNS);
    }
  });

  it('gives every page back to the guest on unload, and writes actual 0', () => {
    const { drv, dev, mem, q } = rig({ features: noStats });
    dev.target = 5;
    drv.step([]); dev.process(q.buffers[0], []); drv.step([]);
    dev.target = 8;
    drv.step([]); // 3 more in flight
    drv.unload();
    expect(mem.counts).toMatchObject({ free: 32, inflating: 0, ballooned: 0, deflating: 0 });
    expect([drv.actual, drv.balloon.size, q.buffers.length]).toEqual([0, 0, 0]);
  });
});
