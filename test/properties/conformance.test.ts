import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, Effect, StepResult, SystemFactory } from '../../core/virtio/index.ts';
import { createReferenceSystem, faultNames, referenceWithFaults } from '../../impl/virtio/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { conformance, conformanceProperty } from '../../properties/conformance.ts';
import { runCase } from '../../properties/runner.ts';
import { caseArb } from '../../properties/workload.ts';
import { batchingDriver } from '../fixtures/legit-drivers/batched-actual.ts';

const seed = Number(process.env.FC_SEED ?? 42);

/**
 * Wrong implementations for the campaign to find, each a wrapper around the reference one that
 * rewrites the effects (and what is observed) of one kind of step. The campaign is the general
 * random one: nothing here tells it which commands to try.
 */
function rewriting(rewrite: (c: Command, effects: Effect[], state: { actual: Map<number, number> }) => Effect[]): SystemFactory {
  return (config) => {
    const sys = createReferenceSystem(config);
    const state = { actual: new Map<number, number>() };
    return {
      config,
      apply(c: Command): StepResult {
        const r = sys.apply(c);
        return { ...r, effects: rewrite(c, r.effects, state) };
      },
      observe() {
        const obs = sys.observe();
        for (const [g, a] of state.actual) obs.guests[g].actual = a;
        return obs;
      },
    };
  };
}

/** Writes `actual` as soon as an inflate batch is sent, counting it before the host acknowledged it. */
const actualBeforeAck = rewriting((c, effects, state) => effects.flatMap((e): Effect[] => {
  if (e.kind === 'actual-written') { state.actual.set(e.guest, e.actual); return [e]; }
  if (e.kind !== 'buffer-queued' || e.queue !== 'inflate' || e.origin !== 'driver') return [e];
  const early = (state.actual.get(e.guest) ?? 0) + e.gpfns.length;
  state.actual.set(e.guest, early);
  return [e, { kind: 'actual-written', guest: e.guest, actual: early }];
}));

/** Forgets to write `actual` after a deflate acknowledgement. */
const noActualAfterDeflate = rewriting((c, effects, state) => {
  const deflateAck = effects.some((e) => e.kind === 'ack-consumed' && e.queue === 'deflate');
  return effects.filter((e) => {
    if (e.kind !== 'actual-written') return true;
    if (deflateAck && c.kind === 'driver') return false;
    state.actual.set(e.guest, e.actual);
    return true;
  });
});

describe('conformance', () => {
  it(`holds on the reference implementation (200 runs, seed ${seed})`, () => {
    const r = runCampaign({ factory: createReferenceSystem, properties: [conformance], runs: 200, seed });
    expect(r.counterexamples.map((c) => c.failure.violation.message)).toEqual([]);
    expect(r.verdicts[0].steps).toBeGreaterThan(5000);
  });

  it('finds actual written before the acknowledgement, with a shrunk trace', () => {
    const r = runCampaign({ factory: actualBeforeAck, properties: [conformance], runs: 200, seed });
    expect(r.counterexamples).toHaveLength(1);
    const cx = r.counterexamples[0];
    expect(cx.failure.violation.message).toMatch(/ACTUAL_WRITTEN \d+ is not allowed in \[driver\.inflating/);
    // Shrunk to the heart of it: a target (maybe) and the driver step that sends the batch.
    expect(cx.case.commands.length).toBeLessThanOrEqual(2);
    expect(cx.case.commands.at(-1)?.kind === 'driver' || cx.failure.step >= cx.case.commands.length).toBe(true);
  });

  it('finds a driver that forgets to write actual after a deflate', () => {
    const r = runCampaign({ factory: noActualAfterDeflate, properties: [conformance], runs: 300, seed });
    expect(r.counterexamples).toHaveLength(1);
    expect(r.counterexamples[0].failure.violation.message).toMatch(/driver\.updatingActual/);
    expect(r.counterexamples[0].case.commands.length).toBeLessThanOrEqual(8);
  });

  it('finds a batching driver that never writes a stale actual once it has nothing more to send', () => {
    const r = runCampaign({ factory: batchingDriver(false), properties: [conformance], runs: 1500, seed });
    expect(r.counterexamples).toHaveLength(1);
    expect(r.counterexamples[0].failure.violation.message).toMatch(/DRIVER_IDLE is not allowed in \[driver\.updatingActual .*actual out of date/);
  });
});

/**
 * The monitor without hooks steps each chart as a snapshot by the pure transition (no actor);
 * with a hook it keeps a live actor per guest. Both must judge every case alike: the campaign's
 * own cases, on the reference and on every fault of the zoo (a hook that does nothing forces the
 * actor path and changes no verdict).
 */
describe('conformance without actors judges as the actors do', () => {
  const viaActors = conformanceProperty({ onState: () => {} });
  it(`same failure, step and message over random cases, reference and every fault (seed ${seed})`, () => {
    const faults = ['none', ...faultNames];
    let failed = 0;
    fc.assert(fc.property(caseArb(), fc.constantFrom(...faults), (c, fault) => {
      const factory = fault === 'none' ? createReferenceSystem : referenceWithFaults([fault as never]);
      const plain = runCase(factory, c.config, c.commands, [conformance]).failure;
      const actors = runCase(factory, c.config, c.commands, [viaActors]).failure;
      expect(plain).toEqual(actors);
      if (plain?.property === 'conformance') failed++;
    }), { numRuns: 300, seed });
    // Not vacuous: some faults break conformance on some of these cases.
    expect(failed).toBeGreaterThan(5);
  });
});
