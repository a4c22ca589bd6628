import { describe, expect, it } from 'vitest';
import { xenGuestConfig, xenSystemConfig, type XenCommand, type XenRequest } from '../../../core/xen/index.ts';
import { XenReferenceSystem, type XenFaultName } from '../../../impl/xen/index.ts';
import { G0, G1, onePv, snapshot, thread } from './helpers.ts';
import { asTyped } from '../../../core/index.ts';

const hostile = (req: XenRequest): XenCommand => ({ kind: 'hostile', guest: G0, request: 'misaligned', pick: 0, req });

describe('Xen hypervisor memory ops (memory.c)', () => {
  const bad: [string, XenRequest, string][] = [
    ['a misaligned order-2 extent', { op: 'decrease', order: 2, gpfns: [6] }, 'xen/misaligned-extent'],
    ['an order above the maximum', { op: 'decrease', order: 10, gpfns: [0] }, 'xen/extent-order'],
    ['a gpfn past the domain', { op: 'decrease', order: 0, gpfns: [64] }, 'xen/gpfn-out-of-range'],
    ['an extent running past the domain', { op: 'decrease', order: 3, gpfns: [64 - 8 + 8] }, 'xen/gpfn-out-of-range'],
    ['a populate of a backed gpfn', { op: 'populate', order: 0, gpfns: [3] }, 'xen/already-populated'],
    ['a guest asking for PoD entries', { op: 'populate', order: 0, gpfns: [3], pod: true }, 'xen/pod-not-permitted'],
  ];
  for (const [what, req, code] of bad) {
    it(`refuses ${what} with ${code} and changes nothing`, () => {
      const sys = new XenReferenceSystem(onePv());
      const before = snapshot(sys.observe());
      const r = sys.apply(hostile(req));
      expect(r.effects.find((e) => e.kind === 'hypercall')).toMatchObject({ done: 0, refused: [{ code }] });
      expect(snapshot(sys.observe())).toBe(before);
    });
  }

  it('refuses a decrease of a gpfn already given back, after the extents before it', () => {
    const sys = new XenReferenceSystem(onePv());
    sys.apply({ kind: 'set-target', guest: G0, pages: 60 });
    sys.apply(thread());
    const gone = asTyped(sys.observe().guests[0].hostBallooned).indexOf(1);
    const r = sys.apply(hostile({ op: 'decrease', order: 0, gpfns: [gone] }));
    expect(r.effects.find((e) => e.kind === 'hypercall')).toMatchObject({ done: 0, refused: [{ gpfn: gone, code: 'xen/not-populated' }] });
  });

  it('refuses gpfns in the hole', () => {
    const sys = new XenReferenceSystem(xenSystemConfig());
    const before = snapshot(sys.observe());
    const r = sys.apply({ kind: 'hostile', guest: G1, request: 'hole', pick: 0, req: { op: 'decrease', order: 0, gpfns: [33] } });
    expect(r.effects.find((e) => e.kind === 'hypercall')).toMatchObject({ refused: [{ code: 'xen/not-ram' }] });
    expect(snapshot(sys.observe())).toBe(before);
  });

  it('does an aligned order-2 extent whole', () => {
    const sys = new XenReferenceSystem(onePv());
    const r = sys.apply(hostile({ op: 'decrease', order: 2, gpfns: [8] }));
    expect(r.effects.filter((e) => e.kind === 'frame-released')).toHaveLength(4);
  });

  const faulty: [XenFaultName, XenRequest][] = [
    ['misaligned-extent', { op: 'decrease', order: 2, gpfns: [6] }],
    ['unbounded-order', { op: 'decrease', order: 10, gpfns: [0] }],
    ['guest-pod-populate', { op: 'decrease', order: 0, gpfns: [0] }],
  ];
  for (const [fault, req] of faulty) {
    it(`${fault} lets a bad request change the domain`, () => {
      const sys = new XenReferenceSystem(onePv(), { faults: [fault] });
      const r0 = new XenReferenceSystem(onePv());
      const q = fault === 'guest-pod-populate' ? { op: 'populate' as const, order: 0, gpfns: [0], pod: true } : req;
      if (fault === 'guest-pod-populate') { sys.apply(hostile(req)); r0.apply(hostile(req)); }
      const before = snapshot(sys.observe());
      sys.apply(hostile(q));
      r0.apply(hostile(q));
      expect(snapshot(sys.observe())).not.toBe(before);
      expect(snapshot(r0.observe())).not.toBe(snapshot(sys.observe()));
    });
  }
});

describe('populate-on-demand (p2m-pod.c)', () => {
  const podCfg = () => xenSystemConfig({ hostFrames: 80, guests: [xenGuestConfig({ podPages: 24 })] });

  it('builds the domain with PoD entries and a cache, and balloons down without freeing frames', () => {
    const sys = new XenReferenceSystem(podCfg());
    let o = sys.observe();
    expect(o.guests[0].xen).toMatchObject({ podEntries: 64, podCache: 24 });
    expect([o.guests[0].target, o.guests[0].actual]).toEqual([24, 64]);
    expect(o.host.freeFrames).toBe(76);
    const r = sys.apply(thread());
    o = sys.observe();
    expect(r.effects.filter((e) => e.kind === 'frame-released')).toHaveLength(0);
    expect(o.guests[0].xen).toMatchObject({ podEntries: 24, podCache: 24 });
    expect(o.guests[0].actual).toBe(24);
  });

  it('backs a touched entry from the cache, and refuses a touch the cache cannot back', () => {
    const sys = new XenReferenceSystem(podCfg());
    expect(sys.apply({ kind: 'alloc', guest: G0, pages: 20, pick: 0 }).outcome).toBe('accepted');
    let o = sys.observe();
    expect(o.guests[0].xen).toMatchObject({ podEntries: 44, podCache: 4 });
    expect(o.host.freeFrames).toBe(56);
    const r = sys.apply({ kind: 'alloc', guest: G0, pages: 5, pick: 0 });
    expect(r).toMatchObject({ outcome: 'refused', code: 'xen/pod-cache-empty' });
    sys.apply(thread());
    o = sys.observe();
    expect(o.guests[0].actual).toBe(24);
    expect(o.guests[0].xen.podEntries).toBeLessThanOrEqual(o.guests[0].xen.podCache);
  });
});

describe('preemption (79de2d31f1)', () => {
  it('the reference finishes a preempted decrease; with preempt-no-progress the guest hangs in it', () => {
    for (const faults of [[], ['preempt-no-progress']] as XenFaultName[][]) {
      const sys = new XenReferenceSystem(onePv(), { faults });
      sys.apply({ kind: 'set-target', guest: G0, pages: 40 });
      sys.apply(thread(G0, { preempt: true }));
      sys.apply(thread());
      sys.apply(thread());
      const o = sys.observe().guests[0];
      expect(o.xen.thread.inHypercall).toBe(faults.length > 0);
      expect(o.actual).toBe(faults.length > 0 ? 64 : 40);
    }
  });
});
