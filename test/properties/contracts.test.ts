/**
 * The properties that tie verdicts to the commands given (issue 14) fire on a bad step or end
 * state, each from a real state of the reference system with one thing changed, and hold on the
 * undoctored one.
 */
import { virtioWorld } from '../../properties/virtio/runner.ts';
import { describe, expect, it } from 'vitest';
import { frame, gpfn, PageState, UNBACKED, VIRTIO_CONTRACTS, type Command, type CommandKind, type ContractStep, type Observation } from '../../core/virtio/index.ts';
import { commandContract } from '../../properties/safety/command-contract.ts';
import { effectsAgree } from '../../properties/safety/effects-agree.ts';
import { purpose } from '../../properties/liveness/purpose.ts';
import { summary as runnerSummary } from '../../properties/virtio/runner.ts';
import { accepted, allocAndWrite, clone, driven, fragmentedForReports, g0, inflated, orderedReporting, stepWith, twoGuests } from './fixtures.ts';
import { asTyped } from '../../core/index.ts';

const refused = (code: 'guest/no-used-pages' | 'guest/oom' | 'device/queue-empty') => ({ outcome: 'refused' as const, code, message: code, effects: [] });

/** Run `cmds`, then apply `last` for real: the context of that step, before and after. */
function realStep(cmds: Command[], last: Command, config = twoGuests) {
  const { sys } = driven(cmds, config);
  const before = runnerSummary(sys.observe(), last.guest);
  const result = sys.apply(last);
  return { config, before, result, obs: clone(sys.observe()), command: last };
}

describe('command-contract', () => {
  it('fires when a target is accepted and nothing happens', () => {
    const { obs, config } = driven([]);
    const v = stepWith(commandContract, config, { obs, command: { kind: 'set-target', guest: g0, pages: 8 } });
    expect(v?.message).toBe('a target of 8 for guest 0 was accepted without a target-set effect');
  });
  it('fires when a target is not clamped to RAM', () => {
    const s = realStep([], { kind: 'set-target', guest: g0, pages: 40 });
    expect(stepWith(commandContract, s.config, s)).toBeNull();
    s.obs.guests[0].target = 40;
    expect(stepWith(commandContract, s.config, s)?.message).toBe('a target of 40 for guest 0 was accepted, but the device reads target 40, not 32');
  });
  it('fires when a free is refused while the guest uses pages', () => {
    const { obs, config } = driven(allocAndWrite(g0, 2));
    const v = stepWith(commandContract, config, { obs, command: { kind: 'free', guest: g0, pages: 1, pick: 0 }, result: refused('guest/no-used-pages') });
    expect(v?.message).toBe('a free command for guest 0 was refused with guest/no-used-pages, but guest 0 used 2 gpfns');
  });
  it('fires when an allocation fails as out of memory with memory free', () => {
    const { obs, config } = driven([]);
    const v = stepWith(commandContract, config, { obs, command: { kind: 'alloc', guest: g0, pages: 2, pick: 0 }, result: refused('guest/oom') });
    expect(v?.message).toBe('an alloc command for guest 0 was refused with guest/oom, but 32 gpfns were free for 2');
  });
  it('fires when a read is carried out as a write', () => {
    const s = realStep(allocAndWrite(g0, 1), { kind: 'write', guest: g0, pick: 0 });
    expect(stepWith(commandContract, s.config, s)).toBeNull();
    expect(stepWith(commandContract, s.config, { ...s, command: { kind: 'read', guest: g0, pick: 0 } })?.message)
      .toBe('an accepted read of guest 0 reported 0 read effects, not one');
  });
  it('fires when the driver leaves an acknowledgement waiting, or idles with work to do', () => {
    const s = realStep([{ kind: 'set-target', guest: g0, pages: 4 }, { kind: 'driver', guest: g0 }, { kind: 'device', guest: g0, queue: 'inflate' }], { kind: 'driver', guest: g0 });
    expect(stepWith(commandContract, s.config, s)).toBeNull();
    expect(stepWith(commandContract, s.config, { ...s, result: accepted() })?.message).toBe('guest 0\'s driver took a step with an acknowledged buffer waiting and did not consume it');
    const t = realStep([{ kind: 'set-target', guest: g0, pages: 4 }], { kind: 'driver', guest: g0 });
    expect(stepWith(commandContract, t.config, t)).toBeNull();
    expect(stepWith(commandContract, t.config, { ...t, result: accepted() })?.message)
      .toBe('guest 0\'s driver idled with its balloon at 0 gpfns, the wanted size 4 (target 4) and nothing in flight: it must inflate');
  });
  it('fires when the device finds a queue empty that holds a buffer', () => {
    const s = realStep([{ kind: 'set-target', guest: g0, pages: 4 }, { kind: 'driver', guest: g0 }], { kind: 'device', guest: g0, queue: 'inflate' });
    expect(stepWith(commandContract, s.config, s)).toBeNull();
    expect(stepWith(commandContract, s.config, { ...s, result: refused('device/queue-empty') })?.message).toMatch(/^a device command for guest 0 was refused with device\/queue-empty, but buffer \d+ waited on the inflate queue$/);
  });
  it('fires when a report with a report order leaves a block free whole while more was asked', () => {
    // Blocks 4-7 and 12-15 free whole, and a report of 5 pages takes both (test/properties/reporting.test.ts).
    const config = orderedReporting();
    const fragment = fragmentedForReports;
    const s = realStep(fragment, { kind: 'report', guest: g0, pages: 5, pick: 0 }, config);
    expect(stepWith(commandContract, s.config, s)).toBeNull();
    // A lazy driver: one block of the two, the other left free.
    const q = s.result.effects.find((e) => e.kind === 'buffer-queued')!;
    const kept = q.kind === 'buffer-queued' ? q.gpfns.filter((n) => n < 8) : [];
    expect(kept).toEqual([4, 5, 6, 7]);
    const lazy = { ...s, result: { ...s.result, effects: s.result.effects.map((e) => (e === q ? { ...q, gpfns: kept } : e)) } };
    for (const n of [12, 13, 14, 15]) lazy.obs.guests[0].pageState[n] = PageState.Free;
    lazy.obs.guests[0].counts.free += 4;
    expect(stepWith(commandContract, s.config, lazy)?.message).toBe('a report command for guest 0 reported 4 guest pages of the 5 asked, but an aligned block of 4 guest pages was still free whole');
    // One block is all a report of up to 4 pages asks for.
    const one = realStep(fragment, { kind: 'report', guest: g0, pages: 4, pick: 0 }, config);
    expect(stepWith(commandContract, one.config, one)).toBeNull();
  });
  it('fires when a reset leaves the balloon full', () => {
    const s = realStep(inflated(4), { kind: 'reset', guest: g0 });
    expect(stepWith(commandContract, s.config, s)).toBeNull();
    s.obs.guests[0].counts.ballooned = 4;
    expect(stepWith(commandContract, s.config, s)?.message).toBe('guest 0 was reset, but 4 gpfns are still in or on their way to the balloon');
  });
});

describe('the command contracts (core/virtio/contracts.ts)', () => {
  // One command of each kind, refused with a code: every code a contract lists has a test of when
  // it applies (a code listed without one is judged as a slip of the contracts, not of the driver).
  const sample: Record<CommandKind, Command> = {
    'set-target': { kind: 'set-target', guest: g0, pages: -1 }, driver: { kind: 'driver', guest: g0 },
    device: { kind: 'device', guest: g0, queue: 'inflate' }, alloc: { kind: 'alloc', guest: g0, pages: 1, pick: 0 },
    free: { kind: 'free', guest: g0, pages: 1, pick: 0 }, report: { kind: 'report', guest: g0, pages: 1, pick: 0 },
    hint: { kind: 'hint', guest: g0, op: { kind: 'hint-request' } }, write: { kind: 'write', guest: g0, pick: 0 },
    read: { kind: 'read', guest: g0, pick: 0 }, reset: { kind: 'reset', guest: g0 },
    hostile: { kind: 'hostile', guest: g0, queue: 'inflate', gpfns: [] } as unknown as Command,
  } as Record<CommandKind, Command>;
  const stepOf = (command: Command, code: string): ContractStep => {
    const { sys, config } = driven([]);
    return {
      command, result: { outcome: 'refused', code, message: code, effects: [] } as never, before: runnerSummary(sys.observe(), 0),
      workPending: false, after: clone(sys.observe()).guests[0], guest: config.guests[0],
    };
  };
  it.each(Object.keys(VIRTIO_CONTRACTS) as CommandKind[])('every code the %s contract lists is judged by a test of its own', (kind) => {
    const contract = VIRTIO_CONTRACTS[kind];
    for (const code of Object.keys(contract.refusals)) expect(contract.check(stepOf(sample[kind], code)) ?? '').not.toMatch(/has no test/);
    expect(contract.check(stepOf(sample[kind], 'host/no-such-code'))).toMatch(/only legal refusals are|it is never refused/);
  });
  it('a code listed without a test is said to be the contracts\' slip', () => {
    const refusals = VIRTIO_CONTRACTS.alloc.refusals as Record<string, string>;
    refusals['host/listed-untested'] = 'a code added to the list alone';
    try {
      expect(VIRTIO_CONTRACTS.alloc.check(stepOf(sample.alloc, 'host/listed-untested'))).toMatch(/lists host\/listed-untested for this command but has no test/);
    } finally {
      delete refusals['host/listed-untested'];
    }
  });
});

describe('effects-agree', () => {
  it('fires when an allocated gpfn has no frame', () => {
    const s = realStep([], { kind: 'alloc', guest: g0, pages: 2, pick: 0 });
    expect(stepWith(effectsAgree, s.config, s)).toBeNull();
    const e = s.result.effects.find((x) => x.kind === 'pages-allocated');
    const n = e?.kind === 'pages-allocated' ? e.gpfns[1] : -1;
    s.obs.guests[0].p2m[n] = UNBACKED;
    expect(stepWith(effectsAgree, s.config, s)?.message).toBe(`guest 0 allocated gpfn ${n} of guest 0, but no frame backs it`);
  });
  it('fires when a processed buffer is refused with a code whose reason does not hold', () => {
    const s = realStep([{ kind: 'set-target', guest: g0, pages: 2 }], { kind: 'driver', guest: g0 });
    const q = s.result.effects.find((x) => x.kind === 'buffer-queued');
    if (q?.kind !== 'buffer-queued') throw new Error('no buffer');
    const m = effectsAgree.monitor(s.config, virtioWorld);
    const ctx = { index: 0, before: s.before, draining: false, obs: s.obs };
    expect(m.step!({ ...ctx, command: s.command, result: s.result })).toBeNull();
    const v = m.step!({ ...ctx, command: { kind: 'device', guest: g0, queue: 'inflate' }, result: accepted({
      kind: 'buffer-processed', guest: g0, queue: 'inflate', id: q.id, accepted: [gpfn(q.gpfns[0])], refused: [{ gpfn: q.gpfns[1], code: 'balloon/gpfn-not-ram' }],
    }) });
    expect(v?.message).toBe(`guest 0's device refused gpfn ${q.gpfns[1]} of inflate buffer ${q.id} with balloon/gpfn-not-ram, which does not apply: the entry is well formed`);
  });
  it('fires when a frame is released with an assigned device, or a ballooned host page keeps its frame', () => {
    const cfg = { ...twoGuests, guests: [{ ...twoGuests.guests[0], assignedDevice: true }, twoGuests.guests[1]] };
    const { obs } = driven(allocAndWrite(g0, 1), cfg);
    const release = accepted({ kind: 'frame-released', guest: g0, gpfn: gpfn(3), frame: frame(9) });
    expect(stepWith(effectsAgree, cfg, { obs, command: { kind: 'device', guest: g0, queue: 'inflate' }, result: release })?.message)
      .toBe('the host released frame 9 of gpfn 3 of guest 0, but guest 0 has an assigned device: its memory may not be discarded (QEMU disables discard under VFIO)');
    const s = realStep([{ kind: 'set-target', guest: g0, pages: 2 }, { kind: 'driver', guest: g0 }], { kind: 'device', guest: g0, queue: 'inflate' });
    const m = effectsAgree.monitor(s.config, virtioWorld);
    const n = asTyped(s.obs.guests[0].pageState).indexOf(PageState.Inflating);
    m.step!({ index: 0, before: s.before, draining: false, obs: s.obs, command: { kind: 'driver', guest: g0 },
      result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'inflate', id: 99, origin: 'driver', gpfns: [n] }) });
    s.obs.guests[0].p2m[n] = 7;
    expect(m.step!({ index: 1, before: s.before, draining: false, obs: s.obs, command: s.command,
      result: accepted({ kind: 'buffer-processed', guest: g0, queue: 'inflate', id: 99, accepted: [gpfn(n)], refused: [] }) })?.message)
      .toBe(`host page ${n} of guest 0 (gpfns ${n} to ${n}) is wholly in the balloon, but gpfn ${n} of guest 0 still maps frame 7: the host never got it back`);
  });
});

describe('purpose', () => {
  const end = (obs: Observation, targets: number[]) => ({ obs, config: twoGuests, quiescent: true, drainRounds: 5, drainBound: 40, targets });
  it('holds on a balloon at the host\'s target and fires when the target was ignored', () => {
    const { obs } = driven(inflated(4));
    expect(purpose.monitor(twoGuests, virtioWorld).end!(end(obs, [4, 0]))).toBeNull();
    expect(purpose.monitor(twoGuests, virtioWorld).end!(end(obs, [8, 0]))?.message)
      .toBe('guest 0\'s device holds 4 gpfns in the balloon after the drain; the host asked for 8 pages (8 in whole guest pages above the floor) and 28 gpfns are free');
  });
  it('fires when a ballooned page is still backed, or a page is stuck out of use', () => {
    const { obs } = driven(inflated(4));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    const o = clone(obs);
    o.guests[0].p2m[n] = 5;
    expect(purpose.monitor(twoGuests, virtioWorld).end!(end(o, [4, 0]))?.message).toBe(`after the drain host page ${n} of guest 0 is wholly in the balloon, but gpfn ${n} of guest 0 still maps frame 5: the host never got it back`);
    const p = clone(obs);
    p.guests[0].hostBallooned[n] = 0;
    expect(purpose.monitor(twoGuests, virtioWorld).end!(end(p, [3, 0]))?.message).toBe(`after the drain gpfn ${n} of guest 0 is ballooned, though the host does not hold it: the guest cannot use it again`);
  });
});
