/**
 * Hyper-V's profiles (docs/families/hyperv.md "Profiles"): the default `sheet` holds a guest to the
 * family sheet, and `careful` adds the testbed's own narrowing, that an UNBALLOON_REQUEST part under
 * another id than the open unballoon's is refused. Linux balloon_down does not look at the id, so
 * a driver that takes such a part as a part of its unballoon is no bug under sheet, and is one
 * under careful.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { guestId } from '../../../core/index.ts';
import { hvProfileOf, withHvProfile, type HvCommand, type HvSystemConfig } from '../../../core/hyperv/index.ts';
import { HvReferenceSystem, createHvReference } from '../../../impl/hyperv/index.ts';
import { hvGuestMachine } from '../../../model/hyperv/index.ts';
import { campaignArb, runCampaign } from '../../../properties/campaign.ts';
import { HV_SHARED_PROPERTIES, hvCheckConfig, runHvCase } from '../../../properties/hyperv/index.ts';
import { hvHostileMessage } from '../../../properties/hyperv/hostile.ts';
import { hvHalfWayUnballoon } from '../../helpers/hyperv.ts';

const seed = Number(process.env.FC_SEED ?? 1);

/** A guest as Linux's balloon_down is: a part's id is not looked at, so a part under another id is one more part of the open unballoon. */
function idBlind(config: HvSystemConfig) {
  const inner = new HvReferenceSystem(config);
  return {
    observe: () => inner.observe(),
    apply: (c: HvCommand) => {
      if (c.kind === 'hostile' && c.msg?.type === 'unballoon-request') {
        const open = inner.observe().guests[c.guest].hv.unballoonTrans;
        if (open !== null && c.msg.trans !== open) return inner.apply({ ...c, msg: { ...c.msg, trans: open } });
      }
      return inner.apply(c);
    },
  };
}

describe('Hyper-V profiles', () => {
  it('the default profile leaves the generated cases as they were; careful marks every configuration', () => {
    const arb = (profile?: string) => campaignArb({ family: 'hyperv', profile, factory: createHvReference as never, properties: [], runs: 1, seed });
    const plain = fc.sample(arb(), { seed, numRuns: 20 });
    expect(fc.sample(arb('sheet'), { seed, numRuns: 20 })).toEqual(plain);
    expect(plain.every((c) => !('profile' in c.config))).toBe(true);
    const careful = fc.sample(arb('careful'), { seed, numRuns: 20 });
    expect(careful.map((c) => (c.config as unknown as HvSystemConfig).profile)).toEqual(plain.map(() => 'careful'));
    expect(careful.map((c) => c.commands)).toEqual(plain.map((c) => c.commands));
  });

  it('a hostile stale-transaction is an unballoon part under another id only under careful', () => {
    const config = hvCheckConfig();
    const sys = new HvReferenceSystem(config);
    for (const c of hvHalfWayUnballoon()) sys.apply(c);
    const obs = sys.observe();
    expect(obs.guests[0].hv.unballoonTrans).not.toBeNull();
    for (let pick = 0; pick < 12; pick++) {
      expect(hvHostileMessage('stale-transaction', pick, withHvProfile(config, 'careful'), 0, obs).type).toBe('unballoon-request');
      expect(hvHostileMessage('stale-transaction', pick, config, 0, obs).type).toMatch(/-response$/);
    }
  });

  it('the guest chart takes a part under another id under sheet and refuses it under careful', () => {
    const base = hvCheckConfig();
    const at = (system: HvSystemConfig) => {
      const a = createActor(hvGuestMachine, { input: { guest: system.guests[0], system } });
      a.start();
      a.send({ type: 'G_VERSION', accepted: true });
      a.send({ type: 'G_CAPS', accepted: true });
      a.send({ type: 'G_BALLOON', asked: 4, given: 4, gpfns: 4, returnedPages: 0, returnedGpfns: 0, responses: 1, lastMore: false });
      a.send({ type: 'G_UNBALLOON', trans: 0x8001, more: true, pages: 1, gpfns: 1, answered: false });
      return a.getSnapshot();
    };
    const other = { type: 'G_UNBALLOON', trans: 0x8002, more: false, pages: 1, gpfns: 1, answered: true } as const;
    expect(hvProfileOf(base)).toBe('sheet');
    const sheet = at(base);
    expect(sheet.value).toEqual({ ready: 'unballooning' });
    expect(hvGuestMachine.getTransitionData(sheet as never, other).length).toBeGreaterThan(0);
    const careful = at(withHvProfile(base, 'careful'));
    expect(careful.value).toEqual({ ready: 'unballooning' });
    expect(hvGuestMachine.getTransitionData(careful as never, other)).toHaveLength(0);
  });

  it('a Linux-like id-blind guest fails under careful and holds every property under sheet', () => {
    // The part under another id comes while guest 0's unballoon is half-way; the campaign's own
    // workload rarely gets there (one hostile message between two parts), so the case is written out.
    const base = hvCheckConfig();
    const setup = hvHalfWayUnballoon();
    const sys = new HvReferenceSystem(base);
    for (const c of setup) sys.apply(c);
    const msg = hvHostileMessage('stale-transaction', 1, withHvProfile(base, 'careful'), 0, sys.observe());
    expect(msg.type).toBe('unballoon-request');
    const commands: HvCommand[] = [...setup, { kind: 'hostile', guest: guestId(0), request: 'stale-transaction', pick: 1, msg }];
    const careful = runHvCase(idBlind as never, withHvProfile(base, 'careful'), commands, HV_SHARED_PROPERTIES).failure;
    expect(careful?.property).toBe('hv-bad-requests-change-nothing');
    expect(runHvCase(createHvReference as never, withHvProfile(base, 'careful'), commands, HV_SHARED_PROPERTIES).failure).toBeNull();
    // Under sheet no property of the guest blames it (the guest chart's own verdict is the test
    // above). Conformance is left out here: the foreign last part closes the unballoon early, so
    // the guest's answer to the host's own last part later finds the host's transaction closed,
    // and the host chart refuses that: the injected message confused the host, not the guest.
    const guestSide = HV_SHARED_PROPERTIES.filter((p) => p.name !== 'conformance');
    expect(guestSide.length).toBe(HV_SHARED_PROPERTIES.length - 1);
    const sheet = runHvCase(idBlind as never, base, commands, guestSide).failure;
    expect(sheet && `${sheet.property}: ${sheet.violation.message}`).toBeNull();
    expect(runHvCase(idBlind as never, withHvProfile(base, 'careful'), commands, guestSide).failure?.property).toBe('hv-bad-requests-change-nothing');
    // And in a campaign under sheet, where the workload sends no such part, nothing else goes wrong.
    const r = runCampaign({ family: 'hyperv', factory: idBlind as never, properties: HV_SHARED_PROPERTIES, runs: 300, seed });
    expect(r.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
  }, 120_000);
});
