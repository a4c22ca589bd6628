import { describe, expect, it } from 'vitest';
import { guestId } from '../../../core/index.ts';
import { xenGuestConfig, xenSystemConfig, type XenCommand, type XenObservation, type XenStepResult } from '../../../core/xen/index.ts';
import { createXenReference, XenReferenceSystem } from '../../../impl/xen/index.ts';
import {
  checkXen, formatXenFailure, resolveXenHostile, runXenCase, XEN_SHARED_PROPERTIES, xenCheckConfig, xenHostileRequest, xenSummary,
} from '../../../properties/xen/index.ts';
import { xenCountersMatch } from '../../../properties/xen/safety/counters.ts';
import { xenHostileKinds } from '../../../core/xen/index.ts';

/** A system whose balloon thread never runs: every pass it reports says it stayed asleep. */
function lazy(config = xenCheckConfig()) {
  const inner = new XenReferenceSystem(config);
  const asleep = (c: XenCommand): XenStepResult => {
    const o = inner.observe();
    const g = o.guests[c.guest];
    const t = g.xen.thread;
    return { outcome: 'accepted', effects: [{ kind: 'balloon-pass', guest: c.guest, now: o.xen.now, ran: false, credit: g.target - g.actual, before: t.state, after: t.state, delay: t.delay, retries: t.retries }] };
  };
  return { observe: (): XenObservation => inner.observe(), apply: (c: XenCommand): XenStepResult => (c.kind === 'thread' ? asleep(c) : inner.apply(c)) };
}
/** Without the chart, which would name the first pass it skipped: progress must see it alone. */
const NO_CHART = XEN_SHARED_PROPERTIES.filter((p) => p.name !== 'conformance');

describe('checkXen', () => {
  it('passes the reference and names the seed', () => {
    const r = checkXen({ factory: createXenReference, properties: XEN_SHARED_PROPERTIES, runs: 50, seed: 7 });
    expect(r).toMatchObject({ ok: true, seed: 7, runs: 50 });
    expect(formatXenFailure(r)).toBe('xen: 50 runs passed (seed 7)');
  });

  it('fails a driver that never balloons, at the end of the run, by progress', () => {
    const r = checkXen({ factory: () => lazy(), properties: NO_CHART, runs: 50, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('xen-progress');
    expect(formatXenFailure(r)).toMatch(/^xen: xen-progress failed at the end of the run \(seed 1\): guest \d came to rest at \d+ pages; the toolstack.s target \d+ within its bounds/);
  });

  it('is deterministic: the same seed gives the same counterexample', () => {
    const a = checkXen({ factory: () => lazy(), properties: NO_CHART, runs: 30, seed: 3 });
    const b = checkXen({ factory: () => lazy(), properties: NO_CHART, runs: 30, seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('reports an implementation that throws as a failure, not a pass', () => {
    const boom = () => ({ observe: () => new XenReferenceSystem(xenCheckConfig()).observe(), apply: (): XenStepResult => { throw new Error('boom'); } });
    const r = runXenCase(boom, xenCheckConfig(), [{ kind: 'thread', guest: guestId(0) }], XEN_SHARED_PROPERTIES);
    expect(r.failure).toMatchObject({ property: 'no-crash' });
  });
});

describe('command contracts (core/xen/contracts.ts)', () => {
  /** The reference, with one command's handling replaced. */
  function stub(kind: XenCommand['kind'], apply: (inner: XenReferenceSystem, c: XenCommand) => XenStepResult) {
    return (config = xenCheckConfig()) => {
      const inner = new XenReferenceSystem(config);
      return { observe: () => inner.observe(), apply: (c: XenCommand) => (c.kind === kind ? apply(inner, c) : inner.apply(c)) };
    };
  }
  const cases: [string, ReturnType<typeof stub>][] = [
    ['refuses every loan', stub('lend', () => ({ outcome: 'refused', code: 'xen/balloon-short', message: 'no', effects: [] }))],
    ['ignores the toolstack', stub('set-target', (_i, c) => ({ outcome: 'accepted', effects: [{ kind: 'target-set', guest: c.guest, requested: 0, target: 0 }] }))],
    ['lets no time pass', stub('tick', () => ({ outcome: 'accepted', effects: [] }))],
    ['refuses every allocation', stub('alloc', () => ({ outcome: 'refused', code: 'guest/oom', message: 'no', effects: [] }))],
  ];
  for (const [what, factory] of cases) {
    it(`fails an implementation that ${what}`, () => {
      const r = checkXen({ factory: () => factory(), properties: XEN_SHARED_PROPERTIES, runs: 200, seed: 2 });
      expect(r.ok).toBe(false);
      expect(['xen-command-contract', 'conformance', 'xen-progress']).toContain(r.failure!.property);
    });
  }
});

describe('hostile requests (properties/xen/hostile.ts)', () => {
  it('every kind builds a request the reference refuses in full, at many picks', () => {
    const config = xenCheckConfig();
    for (const kind of xenHostileKinds) {
      for (let pick = 0; pick < 40; pick += 3) {
        for (const guest of [0, 1]) {
          const sys = new XenReferenceSystem(config);
          sys.apply({ kind: 'set-target', guest: guestId(guest), pages: 30 });
          sys.apply({ kind: 'thread', guest: guestId(guest) });
          const c = resolveXenHostile({ kind: 'hostile', guest: guestId(guest), request: kind, pick }, config, sys.observe());
          expect(c.req!.gpfns.length).toBeGreaterThan(0);
          const hc = sys.apply(c).effects.find((e) => e.kind === 'hypercall');
          expect(hc, `${kind} pick ${pick}`).toMatchObject({ done: 0 });
          expect((hc as { refused: readonly unknown[] }).refused).toHaveLength(1);
        }
      }
    }
  });

  it('builds the kinds it names: misaligned extents are off their boundary, large orders above the maximum', () => {
    const config = xenSystemConfig();
    const obs = new XenReferenceSystem(config).observe();
    const m = xenHostileRequest('misaligned', 5, config, 0, obs);
    for (const g of m.gpfns) expect(g % 2 ** m.order).not.toBe(0);
    expect(xenHostileRequest('order-too-large', 0, config, 0, obs).order).toBeGreaterThan(config.maxExtentOrder);
    expect(xenHostileRequest('hole', 0, config, 1, obs).gpfns[0]).toBeGreaterThanOrEqual(32);
  });
});

describe('the PoD cache across a step (xen-counters-match; p2m-pod.c p2m_pod_decrease_reservation)', () => {
  const config = xenSystemConfig({ hostFrames: 80, guests: [xenGuestConfig({ podPages: 24 })] });
  const g = guestId(0);
  /** One step of `sys` judged by the property; `cache` replaces the PoD cache the step reports. */
  function judge(sys: XenReferenceSystem, command: XenCommand, cache?: (reported: number) => number) {
    const before = xenSummary(sys.observe(), g);
    const result = sys.apply(command);
    const o = sys.observe();
    const x = o.guests[0].xen;
    const obs = cache ? { ...o, guests: [{ ...o.guests[0], xen: { ...x, podCache: cache(x.podCache) } }] } : o;
    return { v: xenCountersMatch.monitor(config).step!({ index: 0, command, result, obs, before, draining: false }), x };
  }
  const thread: XenCommand = { kind: 'thread', guest: g };
  /** A backed page in the free list, then a balloon-down of 40 pages while 40 entries are uncovered. */
  function stealing() {
    const sys = new XenReferenceSystem(config);
    expect(judge(sys, { kind: 'alloc', guest: g, pages: 1, pick: 0 }).v).toBeNull();
    expect(judge(sys, { kind: 'free', guest: g, pages: 1, pick: 0 }).v).toBeNull();
    return sys;
  }

  it('holds on the reference: a page given back while entries outnumber the cache refills it', () => {
    const { v, x } = judge(stealing(), thread);
    expect(v).toBeNull();
    expect([x.podEntries, x.podCache]).toEqual([24, 24]);
  });

  it('fails a step whose given-back page went to the host instead of the cache', () => {
    const { v } = judge(stealing(), thread, (c) => c - 1);
    expect(v?.message).toMatch(/^guest 0 gave back 39 PoD entries and 1 backed page\(s\) with 63 entries and 23 cache frames; p2m_pod_decrease_reservation leaves 0 more entries than cache frames, but the step left 24 entries and 23 cache frames$/);
  });

  it('fails a cache left larger than the entries after a decrease, and holds when it is cut down', () => {
    const sys = new XenReferenceSystem(config);
    expect(judge(sys, thread).v).toBeNull();
    expect(judge(sys, { kind: 'set-target', guest: g, pages: 16 }).v).toBeNull();
    const kept = new XenReferenceSystem(config);
    judge(kept, thread); judge(kept, { kind: 'set-target', guest: g, pages: 16 });
    expect(judge(kept, thread, () => 24).v?.message).toMatch(/leaves 0 more entries than cache frames, but the step left 16 entries and 24 cache frames/);
    const { v, x } = judge(sys, thread);
    expect(v).toBeNull();
    expect([x.podEntries, x.podCache]).toEqual([16, 16]);
  });

  it('lets a touch take an entry and a cache frame together, and no target shrink the cache', () => {
    const sys = new XenReferenceSystem(config);
    expect(judge(sys, { kind: 'alloc', guest: g, pages: 3, pick: 0 }).v).toBeNull();
    expect(judge(sys, { kind: 'alloc', guest: g, pages: 1, pick: 0 }, (c) => c + 1).v?.message).toMatch(/left 60 entries and 21 cache frames/);
    expect(judge(sys, { kind: 'set-target', guest: g, pages: 8 }, (c) => c - 1).v?.message).toMatch(/p2m_pod_set_mem_target never shrinks it/);
  });
});
