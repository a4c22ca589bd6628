import { describe, expect, it } from 'vitest';
import { FRAME_FREE, PageState, UNBACKED } from '../../../core/index.ts';
import { XenReferenceSystem, type XenFaultName } from '../../../impl/xen/index.ts';
import { G0, onePv, thread, tick } from './helpers.ts';
import { asTyped } from '../../../core/index.ts';

describe('Xen balloon thread (balloon.c balloon_thread)', () => {
  it('balloons down to the target in one batch, releasing the frames and invalidating the PV p2m', () => {
    const sys = new XenReferenceSystem(onePv());
    const free0 = sys.observe().host.freeFrames;
    sys.apply({ kind: 'set-target', guest: G0, pages: 40 });
    const r = sys.apply(thread());
    const o = sys.observe();
    expect(o.guests[0].actual).toBe(40);
    expect(o.guests[0].counts.ballooned).toBe(24);
    expect(o.host.freeFrames).toBe(free0 + 24);
    const hc = r.effects.find((e) => e.kind === 'hypercall');
    expect(hc).toMatchObject({ op: 'decrease', order: 0, done: 24, refused: [] });
    for (let n = 0; n < 64; n++) {
      if (o.guests[0].pageState[n] !== PageState.Ballooned) continue;
      expect(o.guests[0].p2m[n]).toBe(UNBACKED);
      expect(o.guests[0].xen.guestP2m![n]).toBe(UNBACKED);
      expect(o.guests[0].hostBallooned[n]).toBe(1);
    }
    expect(o.guests[0].xen.thread.state).toBe('done');
  });

  it('stays asleep when not due, and wakes when the credit changes', () => {
    const sys = new XenReferenceSystem(onePv());
    sys.apply(thread());
    const r = sys.apply(thread());
    expect(r.effects).toEqual([expect.objectContaining({ kind: 'balloon-pass', ran: false })]);
    sys.apply({ kind: 'set-target', guest: G0, pages: 60 });
    expect(sys.apply(thread()).effects.at(-1)).toMatchObject({ kind: 'balloon-pass', ran: true, credit: -4 });
  });

  it('never takes the guest below its floor; backs off doubling to the cap, then cancels and sleeps', () => {
    const sys = new XenReferenceSystem(onePv({ maxRetries: 8, maxDelay: 8 }));
    sys.apply({ kind: 'set-target', guest: G0, pages: 0 });
    sys.apply(thread());
    let o = sys.observe().guests[0];
    expect(o.actual).toBe(8);
    expect(o.xen.thread.state).toBe('eagain');
    const delays: number[] = [o.xen.thread.delay];
    for (let i = 0; i < 10 && o.xen.thread.state === 'eagain'; i++) {
      expect(sys.apply(thread()).effects.at(-1)).toMatchObject({ ran: false });
      sys.apply(tick(o.xen.thread.delay));
      sys.apply(thread());
      o = sys.observe().guests[0];
      delays.push(o.xen.thread.delay);
    }
    expect(delays).toEqual([2, 4, 8, 8, 8, 8, 8, 1]);
    expect(o.xen.thread.state).toBe('ecanceled');
    expect(o.actual).toBe(8);
    sys.apply(tick(3599));
    expect(sys.apply(thread()).effects.at(-1)).toMatchObject({ ran: false });
  });

  it('gives back only the extents the hypervisor populated (a short count)', () => {
    const sys = new XenReferenceSystem(onePv());
    sys.apply({ kind: 'set-target', guest: G0, pages: 30 });
    sys.apply(thread());
    sys.apply({ kind: 'set-target', guest: G0, pages: 64 });
    const r = sys.apply(thread(G0, { grant: 5 }));
    let o = sys.observe().guests[0];
    expect(r.effects.find((e) => e.kind === 'hypercall')).toMatchObject({ op: 'populate', done: 5 });
    expect(o.actual).toBe(35);
    expect(o.counts.ballooned).toBe(29);
    expect(o.xen.balloonLow).toBe(29);
    // DONE with credit left: due again at once (balloon_thread_cond).
    sys.apply(thread(G0, { grant: 0 }));
    o = sys.observe().guests[0];
    expect(o.xen.thread.state).toBe('eagain');
    expect(o.actual).toBe(35);
    sys.apply(tick(2));
    sys.apply(thread());
    o = sys.observe().guests[0];
    expect(o.actual).toBe(64);
    for (let n = 0; n < 64; n++) expect(o.xen.guestP2m![n]).toBe(o.p2m[n]);
  });

  it('cancels a rise the balloon cannot give (no memory hotplug), setting the target to current_pages plus the pages lent', () => {
    // reserve_additional_memory: target_pages = current_pages + target_unpopulated (Linux c673ec61ade8).
    const run = (faults: XenFaultName[]) => {
      const sys = new XenReferenceSystem(onePv(), { faults });
      sys.apply({ kind: 'set-target', guest: G0, pages: 50 });
      sys.apply(thread());
      sys.apply({ kind: 'lend', guest: G0, pages: 14 });
      sys.apply({ kind: 'set-target', guest: G0, pages: 60 });
      sys.apply(thread());
      return sys.observe().guests[0];
    };
    const o = run([]);
    expect(o.xen.thread.state).toBe('ecanceled');
    expect(o.target).toBe(64);
    expect(o.xen.lent).toBe(14);
    // The fault cuts it to current_pages alone, as before the fix.
    expect(run(['cancel-forgets-lent']).target).toBe(50);
  });

  it('a loan the balloon cannot fill counts nothing as lent (Linux 1951fa33ec25)', () => {
    const run = (faults: XenFaultName[]) => {
      const sys = new XenReferenceSystem(onePv(), { faults });
      sys.apply({ kind: 'set-target', guest: G0, pages: 54 });
      sys.apply(thread());
      expect(sys.apply({ kind: 'lend', guest: G0, pages: 11 })).toMatchObject({ outcome: 'refused', code: 'xen/balloon-short' });
      sys.apply({ kind: 'lend', guest: G0, pages: 10 });
      sys.apply({ kind: 'set-target', guest: G0, pages: 64 });
      sys.apply(thread());
      return sys.observe().guests[0];
    };
    expect(run([]).target).toBe(64);
    // The fault left the shortfall of the failed loan (11 asked, 10 in the balloon) counted.
    expect(run(['failed-lend-counted']).target).toBe(65);
  });

  it('lends ballooned pages to a backend and takes them back', () => {
    const sys = new XenReferenceSystem(onePv());
    sys.apply({ kind: 'set-target', guest: G0, pages: 54 });
    sys.apply(thread());
    expect(sys.apply({ kind: 'lend', guest: G0, pages: 11 })).toMatchObject({ outcome: 'refused', code: 'xen/balloon-short' });
    expect(sys.apply({ kind: 'lend', guest: G0, pages: 4 }).outcome).toBe('accepted');
    let o = sys.observe().guests[0];
    expect([o.xen.balloonLow, o.xen.lent, o.counts.ballooned]).toEqual([6, 4, 10]);
    expect(sys.apply({ kind: 'unlend', guest: G0, pages: 5 })).toMatchObject({ outcome: 'refused', code: 'xen/nothing-lent' });
    sys.apply({ kind: 'unlend', guest: G0, pages: 4 });
    o = sys.observe().guests[0];
    expect([o.xen.balloonLow, o.xen.lent]).toEqual([10, 0]);
  });

  it('a reset rebuilds the domain: every page back, the target kept', () => {
    const sys = new XenReferenceSystem(onePv());
    sys.apply({ kind: 'alloc', guest: G0, pages: 3, pick: 0 });
    sys.apply({ kind: 'set-target', guest: G0, pages: 20 });
    sys.apply(thread());
    sys.apply({ kind: 'reset', guest: G0 });
    const o = sys.observe();
    expect(o.guests[0].actual).toBe(64);
    expect(o.guests[0].target).toBe(20);
    expect(o.guests[0].counts.free).toBe(64);
    expect(asTyped(o.guests[0].hostBallooned).every((x) => x === 0)).toBe(true);
    expect(Array.from(o.host.owner).filter((x) => x !== FRAME_FREE && x >= 0).length).toBe(64);
  });
});
