import { describe, expect, it } from 'vitest';
import {
  FRAME_FREE, guestConfig, guestId, hostileKinds, PageState, systemConfig, UNBACKED, type Command, type Effect,
} from '../../core/virtio/index.ts';
import { createReferenceSystem, ReferenceSystem } from '../../impl/virtio/index.ts';
import { resolveHostile } from '../../properties/hostile.ts';
import { asTyped } from '../../core/index.ts';

const g0 = guestId(0);
const cfg = systemConfig({ hostFrames: 100, guests: [guestConfig({ ramPages: 32, floorPages: 4 }), guestConfig({ ramPages: 64, floorPages: 4 })] });
const kinds = (es: Effect[]) => es.map((e) => e.kind);

function run(sys: ReferenceSystem, cmds: Command[]) {
  return cmds.map((c) => sys.apply(c));
}

describe('host frames', () => {
  it('populates lazily on touch, lowest free frame first, and says when it is out of frames', () => {
    const sys = new ReferenceSystem(systemConfig({ hostFrames: 8, reservedFrames: 4, guests: [guestConfig({ ramPages: 16, floorPages: 0 })] }));
    expect(asTyped(sys.observe().guests[0].p2m).every((f) => f === UNBACKED)).toBe(true);
    const r = sys.apply({ kind: 'alloc', guest: g0, pages: 4, pick: 0 });
    expect(r.outcome).toBe('accepted');
    expect(r.effects.filter((e) => e.kind === 'frame-mapped').map((e) => 'frame' in e && e.frame)).toEqual([4, 5, 6, 7]);
    const before = sys.observe().host.owner.slice();
    const out = sys.apply({ kind: 'alloc', guest: g0, pages: 1, pick: 0 });
    expect(out).toMatchObject({ outcome: 'refused', code: 'host/out-of-frames', effects: [] });
    expect(sys.observe().host.owner).toEqual(before);
    expect(sys.observe().guests[0].counts.used).toBe(4);
  });
});

describe('driver and device', () => {
  it('inflates in batches of at most maxBatch, waits for the ack, then writes actual', () => {
    const sys = new ReferenceSystem({ ...cfg, maxBatch: 16 });
    const [, send, again] = run(sys, [{ kind: 'set-target', guest: g0, pages: 20 }, { kind: 'driver', guest: g0 }, { kind: 'driver', guest: g0 }]);
    const q = send.effects.find((e) => e.kind === 'buffer-queued');
    expect(q && 'gpfns' in q && q.gpfns.length).toBe(16);
    expect(again.effects).toEqual([]); // waiting for the acknowledgement
    expect(sys.observe().guests[0].actual).toBe(0);
    const [dev, ack] = run(sys, [{ kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'driver', guest: g0 }]);
    expect(kinds(dev.effects)).toEqual(['buffer-processed']);
    expect(kinds(ack.effects)).toEqual(['ack-consumed', 'actual-written']);
    expect(sys.observe().guests[0].actual).toBe(16);
  });

  it('aligns the target up to whole 64 KiB guest pages and keeps the floor', () => {
    const sys = new ReferenceSystem(systemConfig({ guests: [guestConfig({ ramPages: 64, guestPageGpfns: 16, floorPages: 16 })] }));
    const drive = () => { for (let i = 0; i < 8; i++) run(sys, [{ kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'device', guest: g0, queue: 'deflate' }]); };
    sys.apply({ kind: 'set-target', guest: g0, pages: 17 }); drive();
    expect(sys.observe().guests[0].actual).toBe(32);
    sys.apply({ kind: 'set-target', guest: g0, pages: 64 }); drive();
    expect(sys.observe().guests[0].actual).toBe(48);
  });

  it('releases a big host page only when one inflate names all of it (QEMU "free pbp more aggressively")', () => {
    const sys = new ReferenceSystem(systemConfig({ hostFrames: 100, hostPageGpfns: 16, guests: [guestConfig({ ramPages: 32, floorPages: 0 })] }));
    sys.apply({ kind: 'alloc', guest: g0, pages: 32, pick: 0 });
    sys.apply({ kind: 'free', guest: g0, pages: 32, pick: 0 });
    const step = (t: number) => run(sys, [{ kind: 'set-target', guest: g0, pages: t }, { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'driver', guest: g0 }])[2];
    expect(step(8).effects.filter((e) => e.kind === 'frame-released')).toHaveLength(0);
    // The other half of that host page in a second buffer: the tracking ended with the first.
    expect(step(16).effects.filter((e) => e.kind === 'frame-released')).toHaveLength(0);
    // The second host page in one buffer of 16: released whole.
    expect(step(32).effects.filter((e) => e.kind === 'frame-released')).toHaveLength(16);
  });

  it('never releases a 2 MiB host page under 256-gpfn batches: no one buffer names its 512 gpfns (QEMU keeps the frames of a host page no buffer names whole)', () => {
    const sys = new ReferenceSystem(systemConfig({ hostFrames: 1200, hostPageGpfns: 512, guests: [guestConfig({ ramPages: 1024, floorPages: 0 })] }));
    sys.apply({ kind: 'alloc', guest: g0, pages: 1024, pick: 0 });
    sys.apply({ kind: 'free', guest: g0, pages: 1024, pick: 0 });
    const released: number[] = [];
    const inflateTo = (t: number) => {
      sys.apply({ kind: 'set-target', guest: g0, pages: t });
      for (let i = 0; i < 8; i++) {
        for (const c of [{ kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }] as Command[]) {
          released.push(sys.apply(c).effects.filter((e) => e.kind === 'frame-released').length);
        }
      }
    };
    inflateTo(512);
    expect([released.reduce((a, b) => a + b, 0), sys.observe().guests[0].actual]).toEqual([0, 512]);
  });

  it('an assigned device inhibits discard: inflate acknowledges but releases nothing', () => {
    const sys = new ReferenceSystem(systemConfig({ guests: [guestConfig({ ramPages: 16, floorPages: 0, assignedDevice: true })] }));
    sys.apply({ kind: 'alloc', guest: g0, pages: 16, pick: 0 });
    sys.apply({ kind: 'free', guest: g0, pages: 16, pick: 0 });
    const [, , dev] = run(sys, [{ kind: 'set-target', guest: g0, pages: 8 }, { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }]);
    expect(kinds(dev.effects)).toEqual(['buffer-processed']);
    expect(sys.observe().guests[0].dmaView).toEqual(sys.observe().guests[0].p2m);
  });

  it('deflates on OOM only with DEFLATE_ON_OOM, and refuses the allocation', () => {
    for (const deflateOnOom of [false, true]) {
      const sys = new ReferenceSystem(systemConfig({ guests: [guestConfig({ ramPages: 16, floorPages: 0, features: { mustTellHost: true, statsVq: false, deflateOnOom } })] }));
      run(sys, [{ kind: 'set-target', guest: g0, pages: 8 }, { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'driver', guest: g0 }]);
      const r = sys.apply({ kind: 'alloc', guest: g0, pages: 9, pick: 0 });
      expect(r.outcome === 'refused' && r.code).toBe('guest/oom');
      expect(r.effects.some((e) => e.kind === 'buffer-queued' && e.origin === 'oom')).toBe(deflateOnOom);
    }
  });

  it('reset empties the balloon and keeps the target; the driver goes back to it', () => {
    const sys = new ReferenceSystem(cfg);
    run(sys, [{ kind: 'set-target', guest: g0, pages: 8 }, { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'driver', guest: g0 }]);
    sys.apply({ kind: 'reset', guest: g0 });
    const o = sys.observe().guests[0];
    expect([o.actual, o.target, o.counts.ballooned, asTyped(o.hostBallooned).indexOf(1)]).toEqual([0, 8, 0, -1]);
    run(sys, [{ kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'driver', guest: g0 }]);
    expect(sys.observe().guests[0].actual).toBe(8);
  });
});

describe('hostile requests', () => {
  it.each(hostileKinds)('%s is refused whole and changes nothing', (request) => {
    const sys = new ReferenceSystem(systemConfig({ guests: [guestConfig({ ramPages: 32, holeStart: 16, holePages: 8, floorPages: 0 }), guestConfig({ ramPages: 64 })] }));
    run(sys, [{ kind: 'alloc', guest: g0, pages: 4, pick: 0 }, { kind: 'set-target', guest: g0, pages: 8 }, { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'driver', guest: g0 }, { kind: 'set-target', guest: g0, pages: 12 }, { kind: 'driver', guest: g0 }]);
    const snap = JSON.stringify(sys.observe(), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v));
    const r = sys.apply(resolveHostile({ kind: 'hostile', guest: g0, request, pick: 3 }, sys.config, sys.observe()));
    const processed = r.effects.find((e) => e.kind === 'buffer-processed');
    expect(processed && 'accepted' in processed && processed.accepted).toEqual([]);
    expect(processed && 'refused' in processed && processed.refused.length).toBeGreaterThan(0);
    expect(JSON.stringify(sys.observe(), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v))).toBe(snap);
  });
});

describe('determinism', () => {
  it('the same commands give the same effects, byte for byte', () => {
    const cmds: Command[] = [
      { kind: 'alloc', guest: g0, pages: 5, pick: 3 }, { kind: 'write', guest: g0, pick: 2 }, { kind: 'set-target', guest: g0, pages: 9 },
      { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }, { kind: 'read', guest: g0, pick: 2 }, { kind: 'driver', guest: g0 },
    ];
    const a = JSON.stringify(run(createReferenceSystem(cfg) as ReferenceSystem, cmds));
    const b = JSON.stringify(run(createReferenceSystem(cfg) as ReferenceSystem, cmds));
    expect(a).toBe(b);
  });

  it('rejects an invalid configuration with the field named', () => {
    expect(() => createReferenceSystem(systemConfig({ hostPageGpfns: 3 as 1 }))).toThrow(/hostPageGpfns: must be 1, 4, 16 or 512/);
  });

  it('a new frame table has every frame free or reserved', () => {
    const o = new ReferenceSystem(cfg).observe().host;
    expect(o.owner.filter((x) => x === FRAME_FREE).length + o.reservedFrames).toBe(o.totalFrames);
    expect(PageState.Free).toBe(1);
  });
});
