/**
 * The explorer's two ways to reach a state (properties/exhaustive.ts): forking the case
 * (system and monitors, runner.ts CaseSession.fork) and replaying its path from the start give
 * the same states, edges and failures. And a forked case judges a continuation exactly as a run
 * of the whole command list does: every property monitor's fork carries its state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAMILIES, familyByName } from '../../properties/families.ts';
import { exploreImplementation } from '../../properties/exhaustive.ts';
import { CaseSession, runCase } from '../../properties/runner.ts';

const virtio = familyByName('virtio');
const ex = virtio.explorer!;

describe('fork and replay explore alike', () => {
  it('every family forks (its reference system and every property monitor)', () => {
    const modes = FAMILIES.map((f) => [f.name, exploreImplementation(f, f.reference, f.explorer!.config(1, 2), { depth: 0, maxStates: 10, drain: false }).mode]);
    expect(modes).toEqual([['virtio', 'fork'], ['xen', 'fork'], ['vmware', 'fork'], ['hyperv', 'fork'], ['virtualbox', 'fork']]);
  });
  it.each(FAMILIES.filter((f) => f.name !== 'virtio').map((f) => f.name))('%s reference at depth 3: same counts both ways', (name) => {
    const fam = familyByName(name);
    const config = fam.explorer!.config(fam.explorer!.defaults.guests, fam.explorer!.defaults.pages);
    const f = exploreImplementation(fam, fam.reference, config, { depth: 3, maxStates: 10_000 });
    const r = exploreImplementation(fam, fam.reference, config, { depth: 3, maxStates: 10_000, replay: true });
    expect([f.mode, r.mode]).toEqual(['fork', 'replay']);
    expect(f.states).toBeGreaterThan(1);
    const { mode: _f, ...fork } = f;
    const { mode: _r, ...replay } = r;
    expect(fork).toEqual(replay);
  });
  it('virtio reference at depth 3: same counts both ways', () => {
    const config = ex.config(1, 4);
    const f = exploreImplementation(virtio, virtio.reference, config, { depth: 3, maxStates: 10_000 });
    const r = exploreImplementation(virtio, virtio.reference, config, { depth: 3, maxStates: 10_000, replay: true });
    expect([f.mode, r.mode]).toEqual(['fork', 'replay']);
    const { mode: _f, ...fork } = f;
    const { mode: _r, ...replay } = r;
    expect(fork).toEqual(replay);
  });
  it.each(['discard-not-propagated', 'cancelled-busy-loop', 'reuse-before-ack', 'no-range-check', 's4-restore-leak'])('virtio %s: the same shortest failure both ways', (fault) => {
    const config = ex.config(1, 4);
    const sys = virtio.withFaults([fault]);
    const f = exploreImplementation(virtio, sys, config, { depth: 5, maxStates: 10_000 });
    const r = exploreImplementation(virtio, sys, config, { depth: 5, maxStates: 10_000, replay: true });
    expect(f.failure).not.toBeNull();
    expect(f.failure).toEqual(r.failure);
    expect([f.states, f.edges]).toEqual([r.states, r.edges]);
  });
});

describe('a forked case judges as a whole run does', () => {
  // Every family: two guests of its explorer's configuration, commands from its alphabet (its
  // hostile requests and targets included), every fault of its zoo and none.
  it.each(FAMILIES.map((f) => [f.name, f.name === 'virtio' ? 150 : 60] as const))('%s: fork after a prefix, run the rest and the drain: the verdict of runCase on prefix + rest', (name, numRuns) => {
    const fam = familyByName(name);
    const config = fam.explorer!.config(2, fam.explorer!.defaults.pages);
    const alphabet = fam.explorer!.alphabet(config);
    const cmds = fc.array(fc.nat({ max: alphabet.length - 1 }).map((i) => alphabet[i]), { maxLength: 10 });
    const faults = ['none', ...fam.faults.map((f) => f.name)];
    fc.assert(fc.property(cmds, cmds, fc.constantFrom(...faults), (prefix, rest, fault) => {
      const factory = fault === 'none' ? fam.reference : fam.withFaults([fault]);
      const whole = runCase(factory, config as never, [...prefix, ...rest] as never, fam.properties).failure;
      const s = CaseSession.open(factory, config as never, fam.properties) as CaseSession;
      let failure = null;
      for (const c of prefix) { failure = s.step(c as never, false).failure; if (failure) break; }
      if (failure) { expect(failure).toEqual(whole); return; }
      const k = s.fork()!;
      for (const c of rest) { failure = k.step(c as never, false).failure; if (failure) break; }
      expect(failure ?? k.finish()).toEqual(whole);
      // The original case is untouched by its fork: finishing it judges the prefix alone.
      expect(s.finish()).toEqual(runCase(factory, config as never, prefix as never, fam.properties).failure);
    }), { numRuns });
  });
});
