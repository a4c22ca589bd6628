/**
 * Every invariant fires on a bad state, and its message names the offending guest, gpfn or
 * frame. Each case starts from a real state of the reference system and changes one thing.
 */
import type { VirtioMonitor } from '../../properties/virtio/property.ts';
import { virtioWorld } from '../../properties/virtio/runner.ts';
import { describe, expect, it } from 'vitest';
import { frame, gpfn, guestConfig, PageState, POISON_VAL, systemConfig, withProfile, type Effect, type SystemConfig, type VirtioProfile } from '../../core/virtio/index.ts';
import { invariantProperties } from '../../properties/index.ts';
import { noDoubleMapping } from '../../properties/safety/no-double-mapping.ts';
import { framesConserved } from '../../properties/safety/frames-conserved.ts';
import { balloonPagesUntouched } from '../../properties/safety/balloon-pages-untouched.ts';
import { dataOracle } from '../../properties/safety/data-oracle.ts';
import { hostDropsOnlyBallooned } from '../../properties/safety/host-drops-only-ballooned.ts';
import { requestsWellFormed } from '../../properties/safety/requests-well-formed.ts';
import { countersMatch } from '../../properties/safety/counters-match.ts';
import { badRequestsChangeNothing } from '../../properties/safety/bad-requests-change-nothing.ts';
import { deflateOnlyWhenAsked } from '../../properties/safety/deflate-only-when-asked.ts';
import { isolation } from '../../properties/safety/isolation.ts';
import { floorsAndTargets } from '../../properties/safety/floors-and-targets.ts';
import { convergence } from '../../properties/liveness/convergence.ts';
import { progress } from '../../properties/liveness/progress.ts';
import { reconvergence } from '../../properties/liveness/reconvergence.ts';
import { reportedPagesKept } from '../../properties/virtio/reported-pages-kept.ts';
import { statsPosted } from '../../properties/virtio/stats-posted.ts';
import { statsEntries } from '../../properties/virtio/stats-entries.ts';
import { statsRecorded } from '../../properties/virtio/stats-recorded.ts';
import { reportBlocks } from '../../properties/virtio/report-blocks.ts';
import { accepted, allocAndWrite, driven, g0, g1, inflated, stepWith, summary, twoGuests } from './fixtures.ts';
import { asTyped } from '../../core/index.ts';

const write0 = { kind: 'write', guest: g0, pick: 0 } as const;
const device0 = { kind: 'device', guest: g0, queue: 'inflate' } as const;

describe('no-double-mapping', () => {
  it('fires when a gpfn of guest 1 maps a frame that guest 0 owns', () => {
    const { obs, config } = driven([...allocAndWrite(g0, 2), ...allocAndWrite(g1, 2)]);
    const f = obs.guests[0].p2m[1];
    obs.guests[1].p2m[0] = f;
    const v = (noDoubleMapping.monitor(config, virtioWorld) as VirtioMonitor).audit!(obs);
    expect(v?.message).toBe(`gpfn 0 of guest 1 is mapped to frame ${f}, which the frame table says is mapped by gpfn 1 of guest 0`);
    expect(v).toMatchObject({ guest: 1, gpfn: 0, frame: f });
  });
  it('fires when the DMA view of an assigned device disagrees with the p2m', () => {
    const cfg = { ...twoGuests, guests: [{ ...twoGuests.guests[0], assignedDevice: true }, twoGuests.guests[1]] };
    const { obs } = driven(allocAndWrite(g0, 2), cfg);
    obs.guests[0].dmaView![1] = 99;
    expect((noDoubleMapping.monitor(cfg, virtioWorld) as VirtioMonitor).audit!(obs)?.message).toMatch(/gpfn 1 of guest 0: the CPU maps frame \d+ but the assigned device's DMA view maps 99/);
  });
  it('fires on a step that maps a frame the frame table gives to someone else', () => {
    const { obs, config } = driven([...allocAndWrite(g0, 2), ...allocAndWrite(g1, 2)]);
    const other = obs.guests[1].p2m[0];
    const v = stepWith(noDoubleMapping, config, { obs, command: write0, result: accepted({ kind: 'frame-mapped', guest: g0, gpfn: gpfn(0), frame: frame(other) }) });
    expect(v?.message).toBe(`gpfn 0 of guest 0 is mapped to frame ${other}, which the frame table says is mapped by gpfn 0 of guest 1`);
  });
  it('holds on the same state undoctored', () => {
    const { obs, config } = driven([...allocAndWrite(g0, 2), ...allocAndWrite(g1, 2)]);
    expect((noDoubleMapping.monitor(config, virtioWorld) as VirtioMonitor).audit!(obs)).toBeNull();
  });
});

describe('frames-conserved', () => {
  it('fires when the host counts a frame free that is not', () => {
    const { obs, config } = driven(allocAndWrite(g0, 2));
    obs.host.freeFrames += 1;
    expect(stepWith(framesConserved, config, { obs, command: write0 })?.message).toBe(`${obs.host.freeFrames} free + 2 mapped + 4 reserved = ${obs.host.freeFrames + 6} frames, but the host has 200`);
    expect((framesConserved.monitor(config, virtioWorld) as VirtioMonitor).audit!(obs)?.message).toMatch(/the host counts \d+ free frames, its frame table holds \d+/);
  });
});

describe('balloon-pages-untouched', () => {
  it('fires when the guest writes a ballooned gpfn, naming it', () => {
    const { obs, config } = driven(inflated(8));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    const v = stepWith(balloonPagesUntouched, config, { obs, command: write0, result: accepted({ kind: 'wrote', guest: g0, gpfn: gpfn(n), token: 1 }) });
    expect(v?.message).toBe(`the guest wrote gpfn ${n} of guest 0, which is ballooned`);
  });
  it('fires when the guest touches a page the host still holds under MUST_TELL_HOST', () => {
    const { obs, config } = driven(inflated(8));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    obs.guests[0].pageState[n] = PageState.Used;
    const v = stepWith(balloonPagesUntouched, config, { obs, command: write0, result: accepted({ kind: 'read', guest: g0, gpfn: gpfn(n), value: 0 }) });
    expect(v?.message).toContain(`read gpfn ${n} of guest 0 while the host still holds it in the balloon`);
  });
});

describe('data-oracle', () => {
  it('fires when a read does not return what was written', () => {
    const { obs, config } = driven(allocAndWrite(g0, 1));
    const m = (dataOracle.monitor(config, virtioWorld) as VirtioMonitor);
    const ctx = { index: 0, obs, command: write0, before: summary(obs), draining: false };
    expect(m.step!({ ...ctx, result: accepted({ kind: 'wrote', guest: g0, gpfn: gpfn(3), token: 7 }) })).toBeNull();
    expect(m.step!({ ...ctx, result: accepted({ kind: 'read', guest: g0, gpfn: gpfn(3), value: 0 }) })?.message)
      .toBe('gpfn 3 of guest 0 read back a zeroed page, but the guest last wrote token 7 there');
  });
  it('forgets a token when the page is freed', () => {
    const { obs, config } = driven(allocAndWrite(g0, 1));
    const m = (dataOracle.monitor(config, virtioWorld) as VirtioMonitor);
    const ctx = { index: 0, obs, command: write0, before: summary(obs), draining: false };
    m.step!({ ...ctx, result: accepted({ kind: 'wrote', guest: g0, gpfn: gpfn(3), token: 7 }) });
    m.step!({ ...ctx, result: accepted({ kind: 'pages-freed', guest: g0, gpfns: [gpfn(3)] }) });
    expect(m.step!({ ...ctx, result: accepted({ kind: 'read', guest: g0, gpfn: gpfn(3), value: 0 }) })).toBeNull();
  });
  it('fires when a freshly allocated page holds another guest\'s data (a frame handed on unscrubbed)', () => {
    const { obs, config } = driven(allocAndWrite(g0, 1));
    const m = (dataOracle.monitor(config, virtioWorld) as VirtioMonitor);
    const ctx = { index: 0, obs, command: write0, before: summary(obs), draining: false };
    m.step!({ ...ctx, result: accepted({ kind: 'pages-allocated', guest: g1, gpfns: [gpfn(5)] }) });
    expect(m.step!({ ...ctx, result: accepted({ kind: 'read', guest: g1, gpfn: gpfn(5), value: 1 }) })?.message)
      .toBe('gpfn 5 of guest 1 read back token 1, but the page was allocated (zero-filled) and never written');
  });
  it('keeps the tokens of used pages across a reset (a reset that scrubs them is caught)', () => {
    const { obs, config } = driven(allocAndWrite(g0, 1));
    const m = (dataOracle.monitor(config, virtioWorld) as VirtioMonitor);
    const ctx = { index: 0, obs, command: write0, before: summary(obs), draining: false };
    m.step!({ ...ctx, result: accepted({ kind: 'wrote', guest: g0, gpfn: gpfn(3), token: 7 }) });
    m.step!({ ...ctx, result: accepted({ kind: 'reset', guest: g0 }) });
    expect(m.step!({ ...ctx, result: accepted({ kind: 'read', guest: g0, gpfn: gpfn(3), value: 0 }) })?.message)
      .toBe('gpfn 3 of guest 0 read back a zeroed page, but the guest last wrote token 7 there');
  });
});

describe('host-drops-only-ballooned', () => {
  it('allows the frame of a page on its way out while the host still holds it (64 KiB host page completed)', () => {
    const { obs, config } = driven(inflated(8));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    obs.guests[0].pageState[n] = PageState.Deflating;
    const v = stepWith(hostDropsOnlyBallooned, config, { obs, command: device0, result: accepted({ kind: 'frame-released', guest: g0, gpfn: gpfn(n), frame: frame(50) }) });
    expect(v).toBeNull();
    obs.guests[0].hostBallooned[n] = 0;
    expect(stepWith(hostDropsOnlyBallooned, config, { obs, command: device0, result: accepted({ kind: 'frame-released', guest: g0, gpfn: gpfn(n), frame: frame(50) }) })?.message)
      .toBe(`the host released frame 50 of gpfn ${n} of guest 0, which the guest did not inflate: it is deflating`);
  });
  it('statement 21: the frame of a page on its way out is the host\'s only with MUST_TELL_HOST negotiated', () => {
    const { obs, config } = driven(inflated(8));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    obs.guests[0].pageState[n] = PageState.Deflating;
    const release = { obs, command: device0, result: accepted({ kind: 'frame-released', guest: g0, gpfn: gpfn(n), frame: frame(50) }) };
    expect(stepWith(hostDropsOnlyBallooned, config, release)).toBeNull();
    obs.guests[0].features = { ...obs.guests[0].features, mustTellHost: false };
    expect(stepWith(hostDropsOnlyBallooned, config, release)?.message)
      .toBe(`the host released frame 50 of gpfn ${n} of guest 0, which the guest is deflating without MUST_TELL_HOST: the guest may use it again before the acknowledgement, so the device may not change it (VIRTIO 1.2 5.5.6.2)`);
  });
  it('fires when the host releases the frame of a used gpfn', () => {
    const { obs, config } = driven(allocAndWrite(g0, 2));
    const f = obs.guests[0].p2m[1];
    const v = stepWith(hostDropsOnlyBallooned, config, { obs, command: device0, result: accepted({ kind: 'frame-released', guest: g0, gpfn: gpfn(1), frame: frame(f) }) });
    expect(v?.message).toBe(`the host released frame ${f} of gpfn 1 of guest 0, which the guest did not inflate: it is used`);
  });
  it('fires when a big host page is released while part of it is still in use', () => {
    const cfg = { ...twoGuests, hostPageGpfns: 16 as const };
    const { obs } = driven([...allocAndWrite(g0, 1), ...inflated(8)], cfg);
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    const v = stepWith(hostDropsOnlyBallooned, cfg, { obs, command: device0, result: accepted({ kind: 'frame-released', guest: g0, gpfn: gpfn(n), frame: frame(50) }) });
    expect(v?.message).toMatch(new RegExp(`released frame 50 of gpfn ${n} of guest 0, which the guest did not inflate \\(it shares host page 1 of 16 gpfns with gpfn \\d+ of guest 0, which is free\\)`));
  });
});

describe('requests-well-formed', () => {
  it('fires when the driver inflates a used gpfn', () => {
    const { obs, config } = driven(allocAndWrite(g0, 2));
    const v = stepWith(requestsWellFormed, config, { obs, command: { kind: 'driver', guest: g0 }, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'inflate', id: 9, origin: 'driver', gpfns: [1] }) });
    expect(v?.message).toBe('guest 0 inflated gpfn 1 of guest 0, which is used');
  });
  it('fires when the driver reuses a deflated page before the ack under MUST_TELL_HOST', () => {
    const { obs, config } = driven(inflated(4));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    obs.guests[0].pageState[n] = PageState.Free;
    const v = stepWith(requestsWellFormed, config, { obs, command: { kind: 'driver', guest: g0 }, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'deflate', id: 9, origin: 'driver', gpfns: [n] }) });
    expect(v?.message).toBe(`guest 0 deflated gpfn ${n} of guest 0 and it is already free: with MUST_TELL_HOST it must stay out of use until the device acknowledges`);
  });
  it('fires on an oversized batch and on a duplicate', () => {
    const { obs, config } = driven([]);
    const big = Array.from({ length: 257 }, (_, i) => i);
    const cmd = { kind: 'driver', guest: g0 } as const;
    expect(stepWith(requestsWellFormed, config, { obs, command: cmd, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'inflate', id: 9, origin: 'driver', gpfns: big }) })?.message)
      .toBe('guest 0 sent an inflate buffer of 257 gpfns; the limit is 256');
    obs.guests[0].pageState[5] = PageState.Inflating;
    expect(stepWith(requestsWellFormed, config, { obs, command: cmd, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'inflate', id: 9, origin: 'driver', gpfns: [5, 5] }) })?.message)
      .toBe('guest 0 named gpfn 5 of guest 0 twice in one inflate buffer');
  });
  it('fires when the driver deflates a gpfn whose inflate was not acknowledged', () => {
    const { obs, config } = driven([{ kind: 'set-target', guest: g0, pages: 4 }, { kind: 'driver', guest: g0 }]);
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Inflating);
    obs.guests[0].pageState[n] = PageState.Deflating;
    obs.guests[0].hostBallooned[n] = 0;
    const v = stepWith(requestsWellFormed, config, { obs, command: { kind: 'driver', guest: g0 }, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'deflate', id: 9, origin: 'driver', gpfns: [n] }) });
    expect(v?.message).toBe(`guest 0 deflated gpfn ${n} of guest 0, whose inflate was never acknowledged by the host (it is deflating)`);
  });
});

describe('counters-match', () => {
  it('fires when actual is written before the acknowledgement', () => {
    const { obs, config } = driven([{ kind: 'set-target', guest: g0, pages: 4 }, { kind: 'driver', guest: g0 }]);
    obs.guests[0].actual = 4;
    const v = stepWith(countersMatch, config, { obs, command: { kind: 'driver', guest: g0 }, result: accepted({ kind: 'actual-written', guest: g0, actual: 4 }) });
    expect(v?.message).toBe('guest 0 wrote actual = 4, but its balloon holds 0 acknowledged gpfns');
  });
  it('fires when actual disagrees with the balloon once the driver has come to rest', () => {
    const { obs, config } = driven(inflated(4));
    obs.guests[0].actual = 3;
    const end = { obs, config, quiescent: true, drainRounds: 3, drainBound: 40, targets: [] };
    expect((countersMatch.monitor(config, virtioWorld) as VirtioMonitor).end!(end)?.message).toBe('guest 0 came to rest with actual = 3, but 4 gpfns are ballooned');
    expect((countersMatch.monitor(config, virtioWorld) as VirtioMonitor).audit!(obs)).toBeNull(); // mid-run a batching driver may lag
  });
  it('fires when host and guest disagree on a ballooned gpfn once idle', () => {
    const { obs, config } = driven(inflated(4));
    const n = asTyped(obs.guests[0].pageState).indexOf(PageState.Ballooned);
    obs.guests[0].hostBallooned[n] = 0;
    expect((countersMatch.monitor(config, virtioWorld) as VirtioMonitor).audit!(obs)?.message).toBe(`gpfn ${n} of guest 0: the guest says it is ballooned, the host does not`);
  });
});

describe('bad-requests-change-nothing', () => {
  it('fires when the device accepts an entry of a hostile buffer', () => {
    const { obs, config } = driven([]);
    const v = stepWith(badRequestsChangeNothing, config, {
      obs, command: { kind: 'hostile', guest: g0, request: 'out-of-range', pick: 0 },
      result: accepted(
        { kind: 'buffer-queued', guest: g0, queue: 'deflate', id: 3, origin: 'hostile', gpfns: [7] },
        { kind: 'buffer-processed', guest: g0, queue: 'deflate', id: 3, accepted: [], refused: [] },
        { kind: 'buffer-queued', guest: g0, queue: 'inflate', id: 4, origin: 'hostile', gpfns: [7] },
        { kind: 'buffer-processed', guest: g0, queue: 'inflate', id: 4, accepted: [gpfn(7)], refused: [] }),
    });
    expect(v?.message).toBe('the device accepted gpfn 7 of guest 0 from a malformed inflate buffer of 1 gpfns');
  });
  it('fires when the device accepts a gpfn past the end of memory', () => {
    const { obs, config } = driven([]);
    const v = stepWith(badRequestsChangeNothing, config, { obs, command: device0, result: accepted({ kind: 'buffer-processed', guest: g0, queue: 'inflate', id: 3, accepted: [gpfn(40)], refused: [] }) });
    expect(v?.message).toBe('the device accepted gpfn 40 of guest 0 on the inflate queue, which is not its RAM');
  });
  it('fires when a refused command still changed memory', () => {
    const { obs, config } = driven([]);
    const v = stepWith(badRequestsChangeNothing, config, { obs, command: write0, result: { outcome: 'refused', code: 'host/out-of-frames', message: '', effects: [{ kind: 'frame-mapped', guest: g0, gpfn: gpfn(0), frame: frame(9) }] } });
    expect(v?.message).toBe('a refused command (host/out-of-frames) still had an effect: frame-mapped');
  });
});

describe('deflate-only-when-asked', () => {
  it('fires on a deflate below the target without DEFLATE_ON_OOM', () => {
    const { obs, config } = driven(inflated(8));
    const before = summary(obs);
    const v = stepWith(deflateOnlyWhenAsked, config, { obs, before, command: { kind: 'alloc', guest: g0, pages: 30, pick: 0 }, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'deflate', id: 9, origin: 'oom', gpfns: [24, 25] }) });
    expect(v?.message).toBe('guest 0 deflated 2 gpfns, leaving 6 below the target of 8, and DEFLATE_ON_OOM was not negotiated');
  });
  it('fires with DEFLATE_ON_OOM when the guest was not out of memory', () => {
    const cfg = { ...twoGuests, guests: [{ ...twoGuests.guests[0], features: { ...twoGuests.guests[0].features, deflateOnOom: true } }, twoGuests.guests[1]] };
    const { obs } = driven(inflated(8), cfg);
    const v = stepWith(deflateOnlyWhenAsked, cfg, { obs, command: { kind: 'alloc', guest: g0, pages: 1, pick: 0 }, result: accepted({ kind: 'buffer-queued', guest: g0, queue: 'deflate', id: 9, origin: 'oom', gpfns: [24] }) });
    expect(v?.message).toBe('guest 0 deflated 1 gpfns, leaving 7 below the target of 8, and the guest had 24 free gpfns for an allocation of 1');
  });
});

describe('isolation', () => {
  it('fires when a command of guest 0 changes guest 1', () => {
    const { obs, config } = driven([]);
    const v = stepWith(isolation, config, { obs, command: device0, result: accepted({ kind: 'frame-released', guest: g1, gpfn: gpfn(3), frame: frame(12) }) });
    expect(v?.message).toBe('a device command of guest 0 changed guest 1: frame-released (gpfn 3, frame 12)');
  });
});

describe('floors-and-targets', () => {
  it('fires when the balloon grows past the floor', () => {
    const { obs, config } = driven([]);
    obs.guests[0].counts.ballooned = 29;
    expect(stepWith(floorsAndTargets, config, { obs, command: { kind: 'driver', guest: g0 } })?.message)
      .toBe("guest 0's balloon holds 29 gpfns, past the 28 it can spare (RAM 32, floor 4)");
  });
  it('fires when a target is not clamped', () => {
    const { obs, config } = driven([]);
    const v = stepWith(floorsAndTargets, config, { obs, command: { kind: 'set-target', guest: g0, pages: 99 }, result: accepted({ kind: 'target-set', guest: g0, requested: 99, target: 99 }) });
    expect(v?.message).toBe('a target of 99 for guest 0 became 99, not 32');
  });
});

describe('reported-pages-kept', () => {
  const withFeatures = (pagePoison: boolean): SystemConfig => ({ ...twoGuests, guests: twoGuests.guests.map((g) => ({ ...g, features: { ...g.features, pageReporting: true, pagePoison } })) });
  /** One monitor over a report of gpfns 5 and 6 of guest 0, then an allocation of them that found `values`. */
  const run = (pagePoison: boolean, values: number[] | null) => {
    const config = withFeatures(pagePoison);
    const { obs } = driven([], config);
    const m = reportedPagesKept.monitor(config, virtioWorld) as VirtioMonitor;
    const step = (...effects: Effect[]) => m.step!({ index: 0, obs, command: { kind: 'driver', guest: g0 }, before: summary(obs), draining: false, result: accepted(...effects) });
    expect(step({ kind: 'buffer-queued', guest: g0, queue: 'reporting', id: 9, origin: 'driver', gpfns: [5, 6] })).toBeNull();
    const alloc: Effect = { kind: 'pages-allocated', guest: g0, gpfns: [gpfn(5), gpfn(6)] };
    return values ? step({ kind: 'poison-checked', guest: g0, gpfns: [gpfn(5), gpfn(6)], values }, alloc) : step(alloc);
  };
  it('holds when a page reported under PAGE_POISON still holds poison_val', () => {
    expect(run(true, [POISON_VAL, POISON_VAL])).toBeNull();
  });
  it('fires when a page reported under PAGE_POISON comes back zeroed', () => {
    expect(run(true, [POISON_VAL, 0])?.message).toBe('gpfn 6 of guest 0 held zeroes when the guest allocated it, not poison_val 0xaaaaaaaa: it was reported free under PAGE_POISON, so the driver poisoned it first and the device may change it only to poison_val (VIRTIO 1.2 5.5.6.7)');
  });
  it('fires when a poisoning guest allocates without checking the poison', () => {
    expect(run(true, null)?.message).toBe('guest 0 negotiated PAGE_POISON and allocated 2 gpfns without checking their poison (no poison-checked effect before pages-allocated)');
  });
  it('expects nothing of a report without PAGE_POISON (statement 58: the device may drop the pages)', () => {
    expect(run(false, null)).toBeNull();
  });
});

describe('liveness', () => {
  // The host's own targets (EndContext.targets) are the ones the device shows, unless a test says otherwise.
  const end = (obs: ReturnType<typeof driven>['obs'], quiescent = true, targets = obs.guests.map((g) => g.target)) => ({ obs, config: twoGuests, quiescent, drainRounds: 5, drainBound: 40, targets });
  it('convergence fires when actual settles away from the target', () => {
    const { obs } = driven(inflated(8));
    obs.guests[0].target = 12;
    expect((convergence.monitor(twoGuests, virtioWorld) as VirtioMonitor).end!(end(obs))?.message).toBe('guest 0 settled at actual = 8 with a target of 12 (expected 12; 24 gpfns free)');
  });
  it('convergence judges the host\'s own target, not the one the device reports (a device that drops targets settles at 0)', () => {
    const { obs } = driven([]);
    const m = convergence.monitor(twoGuests, virtioWorld) as VirtioMonitor;
    expect(m.end!(end(obs))).toBeNull();
    expect(m.end!(end(obs, true, [8, 0]))?.message).toBe('guest 0 settled at actual = 0 with a target of 8 (the device says 0) (expected 8; 32 gpfns free)');
  });
  it('convergence fires on an oscillating actual during the drain', () => {
    const { obs } = driven(inflated(8));
    const m = (convergence.monitor(twoGuests, virtioWorld) as VirtioMonitor);
    const at = (actual: number) => m.step!({ index: 0, obs, command: { kind: 'driver', guest: g0 }, before: summary(obs), draining: true, result: accepted({ kind: 'actual-written', guest: g0, actual }) });
    expect([16, 0, 16, 0].map(at)).toEqual([null, null, null, null]);
    expect(at(16)?.message).toBe("guest 0's actual turned back a third time (0 → 16) under a steady target of 8: it oscillates");
  });
  it('progress fires on a buffer never processed and on a drain that never rests', () => {
    const { obs } = driven([{ kind: 'set-target', guest: g0, pages: 4 }, { kind: 'driver', guest: g0 }]);
    expect((progress.monitor(twoGuests, virtioWorld) as VirtioMonitor).end!(end(obs))?.message).toMatch(/guest 0 still has a request in flight: inflate buffer \d+ of 4 gpfns is never processed by the device/);
    const idle = driven([]).obs;
    expect((progress.monitor(twoGuests, virtioWorld) as VirtioMonitor).end!(end(idle, false))?.message).toBe('the system was still busy after 40 fair drain rounds: something loops instead of coming to rest');
  });
  it('stats-posted holds once the driver replaced a used stats buffer, and fires when none waits for the device (statements 26, 27)', () => {
    const m = statsPosted.monitor(twoGuests, virtioWorld) as VirtioMonitor;
    expect(m.end!(end(driven([{ kind: 'device', guest: g0, queue: 'stats' }, { kind: 'driver', guest: g0 }]).obs))).toBeNull();
    expect(m.end!(end(driven([{ kind: 'device', guest: g1, queue: 'stats' }]).obs))?.message).toBe('guest 1 negotiated STATS_VQ, but after the final drain its stats buffer #1 was used and not consumed: the driver must make a stats buffer available after init and after every use (5.5.6.3.1)');
    const { obs } = driven([]);
    obs.guests[0].inflight = obs.guests[0].inflight.filter((b) => b.queue !== 'stats');
    expect(m.end!(end(obs))?.message).toMatch(/^guest 0 negotiated STATS_VQ, but after the final drain no stats buffer is on the queue/);
  });
  it('reconvergence fires for a reset guest that does not return to its target', () => {
    const { obs } = driven(inflated(8));
    const m = (reconvergence.monitor(twoGuests, virtioWorld) as VirtioMonitor);
    m.step!({ index: 0, obs, command: { kind: 'reset', guest: g0 }, before: summary(obs), draining: false, result: accepted({ kind: 'reset', guest: g0 }) });
    obs.guests[0].actual = 0;
    expect(m.end!(end(obs))?.message).toBe('guest 0 was reset and settled at actual = 0, not back at its target of 8 (expected 8)');
  });
  it('report-blocks fires on a report that splits an aligned block of 2^reportOrder pages, under linux and not under spec (statement 62)', () => {
    const ordered = (profile: VirtioProfile): SystemConfig => withProfile(systemConfig({
      guests: [guestConfig({ ramPages: 16, floorPages: 2, reportOrder: 2, features: { mustTellHost: true, statsVq: false, deflateOnOom: false, pageReporting: true } })],
      hostFrames: 24,
    }), profile);
    const report = (gpfns: number[], origin: 'driver' | 'hostile' = 'driver'): Effect => ({ kind: 'buffer-queued', guest: g0, queue: 'reporting', id: 1, origin, gpfns } as Effect);
    const { obs } = driven([]);
    const command = { kind: 'report', guest: g0, pages: 4, pick: 0 } as const;
    const at = (profile: VirtioProfile, e: Effect) => stepWith(reportBlocks, ordered(profile), { obs, command, result: accepted(e) });
    expect(at('linux', report([4, 5, 6, 7]))).toBeNull();
    expect(at('linux', report([4, 5, 6]))?.message).toMatch(/^guest 0 reported gpfn 4 in buffer #1 without the rest of its block \(pfns 4 to 7, 2\^2 guest pages\)/);
    expect(at('firecracker', report([5, 6, 7, 8]))?.message).toMatch(/reported gpfn 5 .*pfns 4 to 7/);
    // A SHOULD: the bare spec accepts single pages; a hostile buffer is not the driver's.
    expect(at('spec', report([4]))).toBeNull();
    expect(at('linux', report([4], 'hostile'))).toBeNull();
  });
});

it('every invariant in the default list has a test in this file (conformance: test/model)', () => {
  const tested = [noDoubleMapping, framesConserved, balloonPagesUntouched, dataOracle, hostDropsOnlyBallooned, requestsWellFormed,
    countersMatch, badRequestsChangeNothing, deflateOnlyWhenAsked, isolation, floorsAndTargets, reportedPagesKept, convergence, progress, reconvergence, statsPosted,
    // The stats payload's two: test/properties/stats.test.ts (each stats fault at 20 seeds) and legit-drivers.test.ts.
    statsEntries, statsRecorded, reportBlocks];
  expect(invariantProperties.filter((p) => !tested.includes(p)).map((p) => p.name)).toEqual([]);
});
