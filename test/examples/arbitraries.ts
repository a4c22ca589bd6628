/**
 * Random configurations and workloads for differential tests: small systems (1-3 guests of 16 to
 * 128 pages, 4 KiB or 64 KiB guest pages, 4 KiB or 64 KiB host pages, holes, random features)
 * and command lists of every kind, weighted toward driver and device steps so balloons move.
 */
import fc from 'fast-check';
import {
  guestId, hostileKinds, type Command, type GuestConfig, type SystemConfig,
} from '../../core/virtio/index.ts';

const guestArb: fc.Arbitrary<GuestConfig> = fc.constantFrom<1 | 16>(1, 16).chain((gpp) =>
  fc.record({
    pagesInUnits: fc.integer({ min: 1, max: 128 / gpp }).filter((u) => u * gpp >= 16),
    holeAt: fc.nat({ max: 1000 }),
    holeUnits: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: Math.max(1, 32 / gpp) })),
    floorFraction: fc.nat({ max: 100 }),
    mustTellHost: fc.boolean(),
    statsVq: fc.boolean(),
    deflateOnOom: fc.boolean(),
    assignedDevice: fc.boolean(),
  }).map((r) => {
    const ramPages = r.pagesInUnits * gpp;
    return {
      ramPages,
      guestPageGpfns: gpp,
      holeStart: (r.holeAt % (r.pagesInUnits + 1)) * gpp,
      holePages: r.holeUnits * gpp,
      floorPages: Math.floor((ramPages * r.floorFraction) / 200),
      features: { mustTellHost: r.mustTellHost, statsVq: r.statsVq, deflateOnOom: r.deflateOnOom },
      assignedDevice: r.assignedDevice,
    };
  }));

export const configArb: fc.Arbitrary<SystemConfig> = fc.record({
  guests: fc.array(guestArb, { minLength: 1, maxLength: 3 }),
  hostPageGpfns: fc.constantFrom<1 | 16>(1, 16),
  maxBatch: fc.constantFrom(16, 32, 64, 256),
  reservedFrames: fc.nat({ max: 8 }),
  overcommitPercent: fc.integer({ min: 40, max: 130 }),
}).map((r) => {
  const ram = r.guests.reduce((s, g) => s + g.ramPages, 0);
  return {
    family: 'virtio' as const,
    hostFrames: r.reservedFrames + Math.max(1, Math.floor((ram * r.overcommitPercent) / 100)),
    reservedFrames: r.reservedFrames,
    hostPageGpfns: r.hostPageGpfns,
    maxBatch: r.maxBatch,
    guests: r.guests,
  };
});

export function commandArb(config: SystemConfig): fc.Arbitrary<Command> {
  // Now and then a guest that does not exist, to check the refusal.
  const guest = fc.oneof({ weight: 30, arbitrary: fc.nat({ max: config.guests.length - 1 }) }, { weight: 1, arbitrary: fc.constant(config.guests.length) }).map(guestId);
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  const pick = fc.nat({ max: 10_000 });
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('set-target' as const), guest, pages: fc.oneof(fc.integer({ min: 0, max: maxRam + 16 }), fc.constant(-1), fc.constant(2.5)) }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('driver' as const), guest }) },
    { weight: 10, arbitrary: fc.record({ kind: fc.constant('device' as const), guest, queue: fc.constantFrom('inflate' as const, 'deflate' as const, 'stats' as const) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('alloc' as const), guest, pages: fc.integer({ min: 0, max: 24 }), pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 0, max: 24 }), pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('write' as const), guest, pick }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), guest, pick }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), guest }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...hostileKinds), pick }) },
  );
}

/** A configuration with a workload for it. */
export const caseArb = (maxCommands = 200): fc.Arbitrary<{ config: SystemConfig; commands: Command[] }> =>
  configArb.chain((config) => fc.record({ config: fc.constant(config), commands: fc.array(commandArb(config), { maxLength: maxCommands, size: 'max' }) }));
