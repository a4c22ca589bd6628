import { describe, expect, it } from 'vitest';
import { guestId } from '../../../core/index.ts';
import { hvHalfWayUnballoon } from '../../helpers/hyperv.ts';
import { hvHostileKinds, withHvProfile, type HvCommand, type HvStepResult } from '../../../core/hyperv/index.ts';
import { createHvReference, HvReferenceSystem } from '../../../impl/hyperv/index.ts';
import {
  checkHv, formatHvFailure, HV_SHARED_PROPERTIES, hvCheckConfig, hvHostileMessage, runHvCase,
} from '../../../properties/hyperv/index.ts';

/** The reference, with one command's handling replaced. */
function stub(kind: HvCommand['kind'], apply: (inner: HvReferenceSystem, c: HvCommand) => HvStepResult) {
  return () => {
    const inner = new HvReferenceSystem(hvCheckConfig());
    return { observe: () => inner.observe(), apply: (c: HvCommand) => (c.kind === kind ? apply(inner, c) : inner.apply(c)) };
  };
}
const NO_CHART = HV_SHARED_PROPERTIES.filter((p) => p.name !== 'conformance');
/** A host that finishes start-up and then never asks anything: every host-send is accepted and does nothing. */
const mute = stub('host-send', (inner, c) => (inner.observe().guests[c.guest].hv.host.ready ? { outcome: 'accepted', effects: [] } : inner.apply(c)));

describe('checkHv', () => {
  it('passes the reference and names the seed', () => {
    const r = checkHv({ factory: createHvReference, properties: HV_SHARED_PROPERTIES, runs: 50, seed: 7 });
    expect(r).toMatchObject({ ok: true, seed: 7, runs: 50 });
    expect(formatHvFailure(r)).toBe('hyperv: 50 runs passed (seed 7)');
  });

  it('fails a host that never asks, at the end of the run, by progress (without the chart)', () => {
    const r = checkHv({ factory: mute, properties: NO_CHART, runs: 100, seed: 1 });
    expect(r.ok).toBe(false);
    expect(r.failure!.property).toBe('hv-progress');
    expect(formatHvFailure(r)).toMatch(/^hyperv: hv-progress failed at the end of the run \(seed 1\): guest \d came to rest with \d+ pages ballooned/);
  });

  it('is deterministic: the same seed gives the same counterexample', () => {
    const a = checkHv({ factory: mute, properties: NO_CHART, runs: 30, seed: 3 });
    const b = checkHv({ factory: mute, properties: NO_CHART, runs: 30, seed: 3 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('reports an implementation that throws as a failure, not a pass', () => {
    const boom = () => ({ observe: () => new HvReferenceSystem(hvCheckConfig()).observe(), apply: (): HvStepResult => { throw new Error('boom'); } });
    const r = runHvCase(boom, hvCheckConfig(), [{ kind: 'guest', guest: guestId(0) }], HV_SHARED_PROPERTIES);
    expect(r.failure).toMatchObject({ property: 'no-crash' });
  });
});

describe('transaction ids as Linux uses them (hv_balloon.c: a fresh trans_id per message, never compared)', () => {
  it('the reference stamps each response with a fresh id of its own, and holds every property and the charts', () => {
    // Guard against a silent return to echoed ids: the run must see responses whose id differs
    // from their request's.
    const config = hvCheckConfig();
    const sys = new HvReferenceSystem(config);
    const g = guestId(0);
    const cmds: HvCommand[] = [{ kind: 'host-recv', guest: g }, { kind: 'guest', guest: g }, { kind: 'host-recv', guest: g }, { kind: 'guest', guest: g },
      { kind: 'set-target', guest: g, pages: 6 }, { kind: 'host-send', guest: g }, { kind: 'guest', guest: g }];
    const sent: { from: string; type: string; trans: number }[] = [];
    for (const c of cmds) for (const e of sys.apply(c).effects) if (e.kind === 'hv-sent') sent.push({ from: e.from, type: e.msg.type, trans: e.msg.trans });
    const req = sent.find((m) => m.type === 'balloon-request');
    const resp = sent.filter((m) => m.type === 'balloon-response');
    expect(req).toBeDefined();
    expect(resp.length).toBeGreaterThan(0);
    for (const r of resp) expect(r.trans).not.toBe(req!.trans);
    // Guest ids only grow (atomic_inc_return): every guest message has a new number.
    const ids = sent.filter((m) => m.from === 'guest').map((m) => m.trans);
    expect(new Set(ids).size).toBe(ids.length);
    const r = checkHv({ factory: createHvReference, properties: HV_SHARED_PROPERTIES, runs: 200, seed: 11 });
    expect(r.ok, `${r.failure?.property}: ${r.failure?.violation.message}`).toBe(true);
  });

  it('a driver whose response ids are anything at all (here: a constant) still holds every property and conforms', () => {
    const wild = () => {
      const inner = new HvReferenceSystem(hvCheckConfig());
      const scrub = (r: HvStepResult): HvStepResult => ({
        ...r,
        effects: r.effects.map((e) => (e.kind === 'hv-sent' && e.from === 'guest' && /-response$/.test(e.msg.type) ? { ...e, msg: { ...e.msg, trans: 0x1234 } } : e)),
      });
      return { observe: () => inner.observe(), apply: (c: HvCommand) => scrub(inner.apply(c)) };
    };
    const r = checkHv({ factory: wild, properties: HV_SHARED_PROPERTIES, runs: 200, seed: 5 });
    expect(r.ok, `${r.failure?.property}: ${r.failure?.violation.message}`).toBe(true);
  });
});

describe('command contracts (core/hyperv/contracts.ts)', () => {
  const cases: [string, ReturnType<typeof stub>][] = [
    ['refuses every allocation', stub('alloc', () => ({ outcome: 'refused', code: 'guest/oom', message: 'no', effects: [] }))],
    ['ignores the host\'s target', stub('set-target', (_i, c) => ({ outcome: 'accepted', effects: [{ kind: 'target-set', guest: c.guest, requested: 0, target: 0 }] }))],
    ['never reports its status', stub('status', () => ({ outcome: 'accepted', effects: [] }))],
    ['says the channel is always empty', stub('guest', () => ({ outcome: 'refused', code: 'hv/no-message', message: 'no', effects: [] }))],
  ];
  for (const [what, factory] of cases) {
    it(`fails an implementation that ${what}`, () => {
      const r = checkHv({ factory, properties: HV_SHARED_PROPERTIES, runs: 200, seed: 2 });
      expect(r.ok).toBe(false);
      expect(['hv-command-contract', 'conformance', 'hv-progress']).toContain(r.failure!.property);
      // The contract alone catches it too (test/properties/fires.test.ts counts on this test for hv-command-contract).
      const contract = HV_SHARED_PROPERTIES.filter((p) => p.name === 'hv-command-contract');
      expect(contract).toHaveLength(1);
      expect(checkHv({ factory, properties: contract, runs: 200, seed: 2 }).failure?.property).toBe('hv-command-contract');
    });
  }
});

describe('hostile host messages (properties/hyperv/hostile.ts)', () => {
  it.each(['sheet', 'careful'] as const)('every kind builds a message the reference refuses and that changes nothing, at many picks and states (profile %s)', (profile) => {
    // Under careful, stale-transaction inside the half-way unballoon is a part under another id.
    const config = withHvProfile(hvCheckConfig(), profile);
    const setup = hvHalfWayUnballoon();
    for (const kind of hvHostileKinds) {
      for (let pick = 0; pick < 30; pick += 7) {
        for (const guest of [0, 1]) {
          for (const upTo of [0, 8, setup.length]) {
            const sys = new HvReferenceSystem(config);
            for (const c of setup.slice(0, upTo)) sys.apply(c);
            const obs = sys.observe();
            const before = JSON.stringify([obs.guests[guest].counts, obs.guests[guest].actual, obs.host.freeFrames, obs.guests[guest].hv.unballoonTrans]);
            const msg = hvHostileMessage(kind, pick, config, guest, obs);
            const r = sys.apply({ kind: 'hostile', guest: guestId(guest), request: kind, pick, msg });
            const h = r.effects.find((e) => e.kind === 'hv-handled');
            expect(h && h.kind === 'hv-handled' && h.refused, `${kind} pick ${pick} guest ${guest} after ${upTo}`).toBeTruthy();
            expect(r.effects).toHaveLength(1);
            const o = sys.observe();
            expect(JSON.stringify([o.guests[guest].counts, o.guests[guest].actual, o.host.freeFrames, o.guests[guest].hv.unballoonTrans])).toBe(before);
          }
        }
      }
    }
  });
});
