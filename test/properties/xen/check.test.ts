import { describe, expect, it } from 'vitest';
import { guestId } from '../../../core/index.ts';
import { xenSystemConfig, type XenCommand, type XenObservation, type XenStepResult } from '../../../core/xen/index.ts';
import { createXenReference, XenReferenceSystem } from '../../../impl/xen/index.ts';
import {
  checkXen, formatXenFailure, resolveXenHostile, runXenCase, XEN_SHARED_PROPERTIES, xenCheckConfig, xenHostileRequest,
} from '../../../properties/xen/index.ts';
import { xenHostileKinds } from '../../../core/xen/index.ts';

/** A system whose balloon thread never runs a pass: it reports passes it never made. */
function lazy(config = xenCheckConfig()) {
  const inner = new XenReferenceSystem(config);
  return {
    observe: (): XenObservation => inner.observe(),
    apply: (c: XenCommand): XenStepResult => (c.kind === 'thread' ? { outcome: 'accepted', effects: [] } : inner.apply(c)),
  };
}

describe('checkXen', () => {
  it('passes the reference and names the seed', () => {
    const r = checkXen({ factory: createXenReference, properties: XEN_SHARED_PROPERTIES, runs: 50, seed: 7 });
    expect(r).toMatchObject({ ok: true, seed: 7, runs: 50 });
    expect(formatXenFailure(r)).toBe('xen: 50 runs passed (seed 7)');
  });

  it('fails a driver that never balloons, at the end of the run, by progress', () => {
    const r = checkXen({ factory: () => lazy(), properties: XEN_SHARED_PROPERTIES, runs: 50, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('xen-progress');
    expect(formatXenFailure(r)).toMatch(/^xen: xen-progress failed at the end of the run \(seed 1\): guest \d came to rest at \d+ pages; the toolstack.s target \d+ within its bounds/);
  });

  it('is deterministic: the same seed gives the same counterexample', () => {
    const a = checkXen({ factory: () => lazy(), properties: XEN_SHARED_PROPERTIES, runs: 30, seed: 3 });
    const b = checkXen({ factory: () => lazy(), properties: XEN_SHARED_PROPERTIES, runs: 30, seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('reports an implementation that throws as a failure, not a pass', () => {
    const boom = () => ({ observe: () => new XenReferenceSystem(xenCheckConfig()).observe(), apply: (): XenStepResult => { throw new Error('boom'); } });
    const r = runXenCase(boom, xenCheckConfig(), [{ kind: 'thread', guest: guestId(0) }], XEN_SHARED_PROPERTIES);
    expect(r.failure).toMatchObject({ property: 'no-crash' });
  });
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
