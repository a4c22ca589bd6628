import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { guestId } from '../../../core/index.ts';
import { vboxConfigProblems, vboxHostileKinds, type VboxCommand, type VboxStepResult } from '../../../core/virtualbox/index.ts';
import { vboxShape } from '../../../core/virtualbox/shape.ts';

const vboxObservationProblems = vboxShape.observationProblems;
const vboxStepResultProblems = vboxShape.stepResultProblems;
import { createVboxReference, VboxReferenceSystem } from '../../../impl/virtualbox/index.ts';
import {
  checkVbox, resolveVboxHostile, runVboxCase, vboxCheckConfig, vboxConfigArb, vboxRealConfig, virtualbox,
} from '../../../properties/virtualbox/index.ts';

/** The reference, with one command's handling replaced. */
function stub(kind: VboxCommand['kind'], apply: (inner: VboxReferenceSystem, c: VboxCommand) => VboxStepResult) {
  return (config = vboxCheckConfig()) => {
    const inner = new VboxReferenceSystem(config);
    return { config, observe: () => inner.observe(), apply: (c: VboxCommand) => (c.kind === kind ? apply(inner, c) : inner.apply(c)) };
  };
}
const NO_CHART = virtualbox.properties.filter((p) => p.name !== 'conformance');
const INVARIANTS_ONLY = NO_CHART.filter((p) => p.name !== 'virtualbox-command-contract');
const g0 = guestId(0);
const g1 = guestId(1);

describe('checkVbox', () => {
  it('passes the reference, on generated configurations', () => {
    expect(checkVbox({ factory: createVboxReference, properties: virtualbox.properties, runs: 100, seed: 7 })).toMatchObject({ ok: true, seed: 7, runs: 100 });
  });

  it('passes the reference with VirtualBox\'s own chunk of 256 pages', () => {
    const config = vboxRealConfig();
    expect(vboxConfigProblems(config)).toEqual([]);
    expect(checkVbox({ factory: createVboxReference, properties: virtualbox.properties, config, runs: 20, seed: 3 }).ok).toBe(true);
    // And it does balloon there: one chunk of 256 pages, with the host's EMT applying it.
    const sys = createVboxReference(config);
    for (const c of [{ kind: 'set-target', guest: g0, chunks: 3 }, { kind: 'deliver', guest: g0 }, { kind: 'step', guest: g0 }, { kind: 'step', guest: g0 }, { kind: 'apply', guest: g0 }] as VboxCommand[]) sys.apply(c);
    expect(sys.observe().guests[0].virtualbox.host.ballooned).toBe(256);
    expect(sys.observe().guests[0].counts.ballooned).toBe(256);
  });

  it('fails a guest whose balloon worker does nothing: by convergence, and by the command contract at once', () => {
    const lazy = stub('step', () => ({ outcome: 'accepted', effects: [] }));
    const r = checkVbox({ factory: (c) => lazy(c), properties: INVARIANTS_ONLY, runs: 100, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('virtualbox-convergence');
    const c = checkVbox({ factory: (k) => lazy(k), properties: NO_CHART, runs: 100, seed: 1 });
    expect(c.failure!.property).toBe('virtualbox-command-contract');
  });

  it('fails a host whose EMT never applies what it queued: by progress, and by the command contract at once', () => {
    const stuck = stub('apply', () => ({ outcome: 'accepted', effects: [] }));
    const r = checkVbox({ factory: (c) => stuck(c), properties: INVARIANTS_ONLY, runs: 100, seed: 2 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('progress');
    const c = checkVbox({ factory: (k) => stuck(k), properties: NO_CHART, runs: 100, seed: 2 });
    expect(c.failure!.property).toBe('virtualbox-command-contract');
  });

  it('fails a host that ignores the wanted size, by convergence and the command contract', () => {
    const deaf = stub('set-target', (_i, c) => ({ outcome: 'accepted', effects: [{ kind: 'target-set', guest: c.guest, requested: 0, target: 0 }] }));
    const r = checkVbox({ factory: (c) => deaf(c), properties: INVARIANTS_ONLY, runs: 100, seed: 3 });
    expect(r.ok).toBe(false);
    expect(['virtualbox-convergence', 'floors-and-targets']).toContain(r.failure!.property);
    const c = checkVbox({ factory: (k) => deaf(k), properties: NO_CHART, runs: 100, seed: 3 });
    expect(c.failure!.property).toBe('virtualbox-command-contract');
  });

  it('fails an event never delivered, by the command contract (and convergence without it)', () => {
    const mute = stub('deliver', () => ({ outcome: 'accepted', effects: [] }));
    const r = checkVbox({ factory: (c) => mute(c), properties: NO_CHART, runs: 100, seed: 4 });
    expect(r.failure!.property).toBe('virtualbox-command-contract');
  });

  it('fails a host that keeps the frames of ballooned pages, by the zero page rule', () => {
    // The host marks pages ballooned but never frees their frames: they are not on the zero page.
    const keeps = (config = vboxCheckConfig()) => {
      const inner = new VboxReferenceSystem(config);
      return {
        config, observe: () => inner.observe(),
        apply: (c: VboxCommand) => {
          const out = inner.apply(c);
          const o = inner.observe();
          for (const e of out.effects) if (e.kind === 'frame-released') { o.guests[e.guest].p2m[e.gpfn] = inner.frames.map(e.guest, e.gpfn); }
          return { ...out, effects: out.effects.filter((e) => e.kind !== 'frame-released') } as VboxStepResult;
        },
      };
    };
    const r = checkVbox({ factory: (c) => keeps(c), properties: virtualbox.properties.filter((p) => p.name === 'virtualbox-zero-page'), runs: 100, seed: 5 });
    expect(r.ok).toBe(false);
    expect(r.failure!.violation.message).toMatch(/is ballooned but still maps frame/);
  });

  it('is deterministic: the same seed gives the same counterexample', () => {
    const lazy = stub('step', () => ({ outcome: 'accepted', effects: [] }));
    const a = checkVbox({ factory: (c) => lazy(c), properties: INVARIANTS_ONLY, runs: 30, seed: 3 });
    const b = checkVbox({ factory: (c) => lazy(c), properties: INVARIANTS_ONLY, runs: 30, seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('reports an implementation that throws as a failure, not a pass', () => {
    const boom = () => ({ observe: () => new VboxReferenceSystem(vboxCheckConfig()).observe(), apply: (): VboxStepResult => { throw new Error('boom'); } });
    const r = runVboxCase(boom, { config: vboxCheckConfig(), commands: [{ kind: 'step', guest: g0 }] }, virtualbox.properties);
    expect(r.failure).toMatchObject({ property: 'no-crash' });
  });
});

describe('the reference, step by step', () => {
  it('one CPU: a chunk is ballooned inside the request; several: only when the EMT applies it, and counted then', () => {
    const sys = createVboxReference(vboxCheckConfig());
    for (const g of [g0, g1]) { sys.apply({ kind: 'set-target', guest: g, chunks: 2 }); sys.apply({ kind: 'deliver', guest: g }); sys.apply({ kind: 'step', guest: g }); sys.apply({ kind: 'step', guest: g }); }
    const o = sys.observe();
    expect(o.guests[0].virtualbox.driver.chunks).toBe(1);
    expect(o.guests[0].virtualbox.host.ballooned).toBe(8);
    expect(o.guests[1].virtualbox.driver).toMatchObject({ chunks: 0, inFlight: 'inflate' });
    expect(o.guests[1].virtualbox.host).toMatchObject({ ballooned: 0, queue: [{ inflate: true, pages: 8 }] });
    expect(sys.apply({ kind: 'apply', guest: g1 }).outcome).toBe('accepted');
    expect(sys.observe().guests[1].virtualbox.driver.chunks).toBe(1);
    expect(sys.apply({ kind: 'apply', guest: g0 })).toMatchObject({ outcome: 'refused', code: 'virtualbox/nothing-queued' });
  });

  it('a wanted size above the maximum chunk count is refused by the guest; a closed session gives everything back', () => {
    const sys = createVboxReference(vboxCheckConfig());
    sys.apply({ kind: 'set-target', guest: g0, chunks: 8 });
    sys.apply({ kind: 'deliver', guest: g0 });
    const r = sys.apply({ kind: 'step', guest: g0 });
    expect(r.effects).toContainEqual({ kind: 'get-balloon-req', guest: g0, wanted: 8, physChunks: 8, accepted: false });
    sys.apply({ kind: 'set-target', guest: g0, chunks: 7 });
    sys.apply({ kind: 'deliver', guest: g0 });
    for (let i = 0; i < 8; i++) sys.apply({ kind: 'step', guest: g0 });
    expect(sys.observe().guests[0].actual).toBe(56);
    sys.apply({ kind: 'close', guest: g0 });
    for (let i = 0; i < 8; i++) sys.apply({ kind: 'step', guest: g0 });
    expect(sys.observe().guests[0]).toMatchObject({ actual: 0, virtualbox: { driver: { closing: false, maxChunks: 0, told: true } } });
    expect(sys.observe().guests[0].virtualbox.host.ballooned).toBe(0);
  });
});

describe('hostile requests (properties/virtualbox/hostile.ts)', () => {
  it('every kind builds a request the reference refuses whole, at many picks and CPU counts', () => {
    for (const config of fc.sample(vboxConfigArb(), { seed: 5, numRuns: 6 })) {
      for (const kind of vboxHostileKinds) {
        for (let pick = 0; pick < 40; pick += 7) {
          for (const g of [g0, g1]) {
            const sys = new VboxReferenceSystem(config);
            for (const c of [{ kind: 'set-target', guest: g, chunks: 2 }, { kind: 'deliver', guest: g }, { kind: 'step', guest: g }, { kind: 'step', guest: g }, { kind: 'apply', guest: g }, { kind: 'alloc', guest: g, pages: 5, pick }] as VboxCommand[]) sys.apply(c);
            const before = JSON.stringify(sys.observe().guests[g].virtualbox);
            const c = resolveVboxHostile({ kind: 'hostile', guest: g, request: kind, pick }, config, sys.observe());
            const r = sys.apply(c);
            expect(r.effects, `${kind} pick ${pick} guest ${g}`).toEqual([expect.objectContaining({ kind: 'change-balloon', origin: 'hostile', rc: 'VERR_INVALID_PARAMETER', queued: false })]);
            expect(JSON.stringify(sys.observe().guests[g].virtualbox)).toBe(before);
          }
        }
      }
    }
  });
});

describe('configuration and shape', () => {
  it('names each bad field', () => {
    const bad = { ...vboxCheckConfig(), chunkPages: 3, reservedFrames: 0, guests: [{ ...vboxCheckConfig().guests[0], ramPages: 60, cpus: 0 }] };
    const p = vboxConfigProblems(bad);
    expect(p.some((m) => m.startsWith('chunkPages'))).toBe(true);
    expect(p.some((m) => m.startsWith('reservedFrames'))).toBe(true);
    expect(p.some((m) => m.startsWith('guests[0].cpus'))).toBe(true);
    expect(vboxConfigProblems({ ...vboxCheckConfig(), guests: [{ ...vboxCheckConfig().guests[0], floorPages: 60 }] })).toEqual([expect.stringContaining('at least one chunk')]);
  });

  it('the reference answers in its own shape, and a broken answer is named by field', () => {
    const config = vboxCheckConfig();
    const sys = createVboxReference(config);
    expect(vboxObservationProblems(sys.observe(), config)).toEqual([]);
    const r = sys.apply({ kind: 'set-target', guest: g0, chunks: 2 });
    expect(vboxStepResultProblems(r, config)).toEqual([]);
    const o = sys.observe();
    const broken = { ...o, guests: [{ ...o.guests[0], virtualbox: { ...o.guests[0].virtualbox, driver: { ...o.guests[0].virtualbox.driver, chunks: -1 } } }, o.guests[1]] };
    expect(vboxObservationProblems(broken, config)).toEqual(['guests[0].virtualbox.driver.chunks: expected a whole number from 0 to 9007199254740991, got the number -1']);
    expect(vboxStepResultProblems({ outcome: 'accepted', effects: [{ kind: 'change-balloon', guest: 0 }] }, config)[0]).toMatch(/^result\.effects\[0\]/);
  });
});
