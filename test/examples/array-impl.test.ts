/**
 * Differential test: the example array implementation and the reference implementation, run on
 * the same random configurations and workloads, agree on every step's result and on every field
 * of the observation after every step.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configProblems, formatCommand, guestId, systemConfig, type Observation } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import createArraySystem from '../../examples/array-impl/index.ts';
import { resolveHostile } from '../../properties/hostile.ts';
import { caseArb, configArb } from './arbitraries.ts';

/** The observation with typed arrays as plain arrays, so a difference prints as a readable diff. */
function plain(obs: Observation): unknown {
  const arr = (a: ArrayLike<number> | null) => (a === null ? null : Array.from(a));
  return {
    host: { ...obs.host, owner: arr(obs.host.owner), ownerGpfn: arr(obs.host.ownerGpfn) },
    guests: obs.guests.map((g) => ({
      target: g.target, actual: g.actual, features: { ...g.features },
      p2m: arr(g.p2m), dmaView: arr(g.dmaView), pageState: arr(g.pageState), hostBallooned: arr(g.hostBallooned),
      inflight: g.inflight.map((b) => ({ id: b.id, queue: b.queue, origin: b.origin, gpfns: [...b.gpfns], acked: b.acked })),
      counts: { ...g.counts },
    })),
  };
}

describe('examples/array-impl', () => {
  it('generates only valid configurations', () => {
    fc.assert(fc.property(configArb, (c) => { expect(configProblems(c)).toEqual([]); }));
  });

  it('starts in the same state as the reference implementation', () => {
    const config = systemConfig();
    expect(plain(createArraySystem(config).observe())).toEqual(plain(createReferenceSystem(config).observe()));
  });

  it('agrees with the reference implementation on every step result and observation', () => {
    fc.assert(fc.property(caseArb(200), ({ config, commands }) => {
      const ours = createArraySystem(config);
      const ref = createReferenceSystem(config);
      commands.forEach((c, i) => {
        const where = `step ${i}: ${formatCommand(c)}`;
        // A hostile request's buffer is built by the testbed from the moment's observation.
        const applied = c.kind === 'hostile' ? resolveHostile(c, config, ref.observe()) : c;
        expect(ours.apply(applied), `${where}: result`).toEqual(ref.apply(applied));
        const a = plain(ours.observe()) as { host: unknown; guests: Record<string, unknown>[] };
        const b = plain(ref.observe()) as { host: unknown; guests: Record<string, unknown>[] };
        expect(a.host, `${where}: host`).toEqual(b.host);
        b.guests.forEach((g, gi) => {
          for (const field of Object.keys(g)) expect(a.guests[gi][field], `${where}: guests[${gi}].${field}`).toEqual(g[field]);
        });
      });
    }));
  });

  it('refuses an invalid configuration as the reference does', () => {
    const bad = systemConfig({ maxBatch: 0 });
    expect(() => createArraySystem(bad)).toThrow(/maxBatch/);
  });

  it('drives a balloon to its target in a hand-written run', () => {
    const sys = createArraySystem(systemConfig());
    const g = guestId(0);
    sys.apply({ kind: 'set-target', guest: g, pages: 16 });
    for (let i = 0; i < 6; i++) {
      sys.apply({ kind: 'driver', guest: g });
      sys.apply({ kind: 'device', guest: g, queue: 'inflate' });
      sys.apply({ kind: 'device', guest: g, queue: 'stats' });
    }
    const obs = sys.observe().guests[0];
    expect(obs.actual).toBe(16);
    expect(obs.counts.ballooned).toBe(16);
  });
});
