/**
 * properties/minimize.ts: the last pass after fast-check's shrink deletes single commands and
 * pairs while the case fails alike; the campaign's counterexamples come out 1-minimal;
 * properties/shorten.ts searches breadth-first for a shorter case around the shrunk one.
 */
import { describe, expect, it } from 'vitest';
import { minimizeCommands } from '../../properties/minimize.ts';
import { searchShorter, shortenByBfs } from '../../properties/shorten.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { runCase } from '../../properties/runner.ts';
import { familyByName } from '../../properties/families.ts';

describe('minimizeCommands', () => {
  it('deletes every command the failure does not need', () => {
    expect(minimizeCommands([1, 2, 3, 4, 5, 6], (cs) => cs.includes(2) && cs.includes(5))).toEqual([2, 5]);
  });
  it('deletes a pair that only fails when both are gone (no single deletion helps)', () => {
    // Fails while 9 is there and 7 and 8 are both present or both absent.
    const fails = (cs: number[]) => cs.includes(9) && cs.includes(7) === cs.includes(8);
    expect(minimizeCommands([7, 1, 8, 9], fails)).toEqual([9]);
  });
  it('skips pairs on lists longer than the bound, and returns a copy when nothing can go', () => {
    const fails = (cs: number[]) => cs.includes(9) && cs.includes(7) === cs.includes(8);
    expect(minimizeCommands([7, 8, 9], fails, 2)).toEqual([7, 8, 9]);
    const xs = [1, 2];
    const out = minimizeCommands(xs, (cs) => cs.length === 2);
    expect(out).toEqual([1, 2]);
    expect(out).not.toBe(xs);
  });
  it('merges two commands into one when neither can go alone (merge)', () => {
    // "Fails" when the numbers sum to 6 or more and 0 is last: no deletion keeps it failing.
    const fails = (cs: number[]) => cs.reduce((a, b) => a + b, 0) >= 6 && cs.at(-1) === 0;
    const merge = (a: number, b: number) => (a > 0 && b > 0 ? a + b : null);
    expect(minimizeCommands([2, 2, 2, 0], fails)).toEqual([2, 2, 2, 0]);
    expect(minimizeCommands([2, 2, 2, 0], fails, 30, merge)).toEqual([6, 0]);
  });
  it('deletes a command while another grows in its place (grow), smallest growth first', () => {
    // Fails when the sum reaches 7 with 0 last; 5 and 2 can become one 7, never 8.
    const fails = (cs: number[]) => cs.reduce((a, b) => a + b, 0) >= 7 && cs.at(-1) === 0;
    const grow = (x: number) => (x > 0 ? [x + 1, x + 2, x + 3] : []);
    expect(minimizeCommands([5, 2, 0], fails)).toEqual([5, 2, 0]);
    expect(minimizeCommands([5, 2, 0], fails, 30, undefined, grow)).toEqual([7, 0]);
  });
  it('is deterministic: the same call gives the same list', () => {
    const fails = (cs: number[]) => cs.filter((x) => x % 2 === 0).length >= 2;
    expect(minimizeCommands([1, 2, 3, 4, 6], fails)).toEqual(minimizeCommands([1, 2, 3, 4, 6], fails));
  });
});

describe('the campaign minimises what fast-check shrank', () => {
  it.each([['virtio', 'deflate-on-reclaim'], ['hyperv', 'unballoon-truncated'], ['virtualbox', 'free-before-deflate']])('%s %s: no single command of the counterexample can be deleted', (name, fault) => {
    const family = familyByName(name);
    const factory = family.withFaults([fault]) as never;
    const r = runCampaign({ family: name, factory, properties: family.properties as never, runs: 2000, seed: 3, stopAtFirst: true });
    const cx = r.counterexamples[0];
    expect(cx).toBeDefined();
    const cs = cx.case.commands;
    expect(runCase(factory, cx.case.config, cs, family.properties as never).failure?.property).toBe(cx.property);
    for (let i = 0; i < cs.length; i++) {
      const shorter = [...cs.slice(0, i), ...cs.slice(i + 1)];
      expect(runCase(factory, cx.case.config, shorter, family.properties as never).failure?.property, `without step ${i}`).not.toBe(cx.property);
    }
  });
});

describe('the campaign merges and grows the guest program', () => {
  // Measured 2026-12-03: with deletions and the search alone, seed 2 stopped at 12 commands
  // (several small allocations and reports filling a 16-page guest); one allocation that fills it does the same.
  it('virtio deflate-on-reclaim, seed 2: the counterexample is 5 commands, one allocation', () => {
    const family = familyByName('virtio');
    const factory = family.withFaults(['deflate-on-reclaim']) as never;
    const r = runCampaign({ family: 'virtio', factory, properties: family.properties as never, runs: 10_000, seed: 2, stopAtFirst: true });
    const cs = r.counterexamples[0].case.commands as { kind: string }[];
    expect(cs).toHaveLength(5);
    expect(cs.filter((c) => c.kind === 'alloc')).toHaveLength(1);
  });
});

describe('shortenByBfs', () => {
  // A toy system: a counter; commands add to it; it "fails" once it reaches 6.
  const keyAfter = (cs: number[]) => String(cs.reduce((a, b) => a + b, 0));
  const stillFails = (cs: number[]) => cs.reduce((a, b) => a + b, 0) >= 6;
  it('finds a shorter failing list over the alphabet, shortest first', () => {
    expect(shortenByBfs([1, 1, 1, 1, 1, 1], { alphabet: [1, 3], keyAfter, stillFails, maxStates: 100 })).toEqual([3, 3]);
  });
  it('returns null when nothing shorter fails, or the budget ends first', () => {
    expect(shortenByBfs([3, 3], { alphabet: [1, 3], keyAfter, stillFails, maxStates: 100 })).toBeNull();
    expect(shortenByBfs([1, 1, 1, 1, 1, 1], { alphabet: [1, 3], keyAfter, stillFails, maxStates: 2 })).toBeNull();
  });
  it('says whether the search was complete (searchShorter)', () => {
    expect(searchShorter([3, 3], { alphabet: [1, 3], keyAfter, stillFails, maxStates: 100 })).toEqual({ shorter: null, complete: true });
    expect(searchShorter([1, 1, 1, 1, 1, 1], { alphabet: [1, 3], keyAfter, stillFails, maxStates: 2 })).toEqual({ shorter: null, complete: false });
  });
  it('with judgeEveryEdge, finds a failure on an edge into a state already known', () => {
    // The key forgets everything (one state); a list "fails" when it holds a 3. Keyed per state,
    // the edge [3] leads to the known state and is never judged; judged per edge, it is found.
    const one = { alphabet: [1, 3], keyAfter: () => 'one', stillFails: (cs: number[]) => cs.includes(3), maxStates: 100 };
    expect(searchShorter([1, 1, 3], one)).toEqual({ shorter: null, complete: true });
    expect(searchShorter([1, 1, 3], { ...one, judgeEveryEdge: true })).toEqual({ shorter: [3], complete: true });
  });
  it('returns the empty list when the initial state already fails', () => {
    expect(shortenByBfs([1], { alphabet: [1], keyAfter, stillFails: () => true, maxStates: 10 })).toEqual([]);
  });
});

describe('the campaign searches around what it shrank', () => {
  // Pinned to the workload: with the last pass switched off, fast-check alone stops at 4 commands at
  // seed 11 (measured 2026-12-03 after the layouts and reporting merges); pick another seed if the workload moves.
  // Seed 11 drew this case before the negotiating resets and the hinting commands joined the workload; seed 2 now draws one
  // whose world allows 2 (a target and a free page report), which the passes after fast-check's shrink reach.
  it('virtio discard-not-propagated, seed 2: the deletions, the search and the world shrink end at 2 commands', () => {
    const family = familyByName('virtio');
    const factory = family.withFaults(['discard-not-propagated']) as never;
    const r = runCampaign({ family: 'virtio', factory, properties: family.properties as never, runs: 10_000, seed: 2, stopAtFirst: true });
    expect(r.counterexamples[0].property).toBe('no-double-mapping');
    expect(r.counterexamples[0].case.commands).toHaveLength(2);
  });
});
