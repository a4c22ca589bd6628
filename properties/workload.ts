/**
 * fast-check workloads: a system configuration and a list of commands for it. Swarm testing
 * (Groce et al., 2012): each case enables a random subset of command kinds, so some runs are all
 * targets and driver steps, others hammer allocation or hostile requests; this finds more than
 * one fixed mix. Weights keep driver and device steps common, since nothing moves without them.
 */
import fc from 'fast-check';
import {
  guestId, hostileKinds, type Command, type CommandKind, type GuestConfig, type SystemConfig,
} from '../core/virtio/index.ts';
import { DEFAULT_MAX_COMMANDS } from './defaults.ts';

export interface Case { config: SystemConfig; commands: Command[] }

export interface WorkloadOptions {
  /** Longest command list (default DEFAULT_MAX_COMMANDS). */
  maxCommands?: number;
  /** Fix the configuration instead of generating one. */
  config?: SystemConfig;
}

const OPTIONAL: readonly CommandKind[] = ['set-target', 'alloc', 'free', 'write', 'read', 'reset', 'hostile'];
const WEIGHT: Record<CommandKind, number> = {
  'driver': 8, 'device': 8, 'set-target': 3, 'alloc': 3, 'free': 2, 'write': 3, 'read': 3, 'reset': 1, 'hostile': 1,
};

const guestArb: fc.Arbitrary<GuestConfig> = fc
  .record({
    big: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    pages: fc.integer({ min: 3, max: 12 }),
    hole: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
    floor: fc.integer({ min: 0, max: 3 }),
    mustTellHost: fc.boolean(),
    statsVq: fc.boolean(),
    deflateOnOom: fc.boolean(),
    assigned: fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  })
  .map(({ big, pages, hole, floor, mustTellHost, statsVq, deflateOnOom, assigned }) => {
    // Sizes in guest pages, scaled to gpfns: 64 KiB guests get 16 gpfns a page.
    const gpp = big ? 16 : 1;
    const unit = big ? 16 : 8;
    const ramPages = pages * unit;
    const holeStart = Math.floor(pages / 2) * unit;
    return {
      ramPages, guestPageGpfns: gpp as 1 | 16, holeStart, holePages: hole * unit, floorPages: floor * unit,
      features: { mustTellHost, statsVq, deflateOnOom }, assignedDevice: assigned,
    };
  });

/** Small systems of 1 to 3 guests, overcommitted or not, 4 KiB or 64 KiB host pages. */
export const configArb: fc.Arbitrary<SystemConfig> = fc
  .record({
    guests: fc.array(guestArb, { minLength: 1, maxLength: 3 }),
    // 2 MiB host pages are rare: they need guests of at least two of them.
    hostPage: fc.oneof({ weight: 6, arbitrary: fc.constant<1 | 16 | 512>(1) }, { weight: 3, arbitrary: fc.constant<1 | 16 | 512>(16) }, { weight: 1, arbitrary: fc.constant<1 | 16 | 512>(512) }),
    maxBatch: fc.constantFrom(16, 32, 256),
    share: fc.integer({ min: 60, max: 120 }),
  })
  .map(({ guests: small, hostPage, maxBatch, share }) => {
    const guests = hostPage === 512 ? small.map(bigHostPages) : small;
    const ram = guests.reduce((s, g) => s + g.ramPages, 0);
    // A quarter of the hosts reserve no frame, so frame 0 is the first a guest gets: an
    // implementation that takes 0 for "no frame" (a `> 0` where `>= 0` belongs) is caught. Taken
    // from `share` rather than drawn, so every case keeps its commands and its frames for guests.
    const reservedFrames = share % 4 === 0 ? 0 : 2;
    return {
      family: 'virtio' as const, reservedFrames, hostPageGpfns: hostPage, maxBatch, guests,
      hostFrames: reservedFrames + Math.max(16, Math.floor((ram * share) / 100)),
    };
  });

/**
 * A guest scaled for 2 MiB host pages: memory in whole host pages (two to four of them), so a
 * host page can be ballooned whole and released, and partly and kept.
 */
function bigHostPages(g: GuestConfig): GuestConfig {
  const hostPages = 2 + (g.ramPages % 3);
  const ramPages = hostPages * 512;
  return { ...g, ramPages, holeStart: Math.min(g.holeStart, ramPages), floorPages: g.floorPages * 4 };
}

/** One command for the configuration, from the enabled kinds. */
export function commandArb(config: SystemConfig, kinds: readonly CommandKind[]): fc.Arbitrary<Command> {
  const g = fc.integer({ min: 0, max: config.guests.length - 1 }).map(guestId);
  const pick = fc.nat({ max: 1 << 16 });
  const maxRam = Math.max(...config.guests.map((x) => x.ramPages));
  const maxPages = Math.max(...config.guests.map((x) => x.ramPages / x.guestPageGpfns));
  const arbs: Record<CommandKind, fc.Arbitrary<Command>> = {
    'driver': g.map((guest) => ({ kind: 'driver', guest })),
    'device': fc.record({ guest: g, queue: fc.constantFrom('inflate', 'deflate', 'inflate', 'deflate', 'stats') }).map((r) => ({ kind: 'device', ...r })),
    // Targets anywhere from empty to past the guest's memory (clamped), unaligned ones included,
    // and now and then a negative one, which the device must refuse (device/bad-target).
    'set-target': fc.record({
      guest: g,
      pages: fc.oneof({ weight: 15, arbitrary: fc.integer({ min: 0, max: maxRam + 8 }) }, { weight: 1, arbitrary: fc.integer({ min: -8, max: -1 }) }),
    }).map((r) => ({ kind: 'set-target', ...r })),
    'alloc': fc.record({ guest: g, pages: fc.integer({ min: 1, max: Math.max(1, Math.ceil(maxPages / 3)) }), pick }).map((r) => ({ kind: 'alloc', ...r })),
    'free': fc.record({ guest: g, pages: fc.integer({ min: 1, max: Math.max(1, Math.ceil(maxPages / 3)) }), pick }).map((r) => ({ kind: 'free', ...r })),
    'write': fc.record({ guest: g, pick }).map((r) => ({ kind: 'write', ...r })),
    'read': fc.record({ guest: g, pick }).map((r) => ({ kind: 'read', ...r })),
    'reset': g.map((guest) => ({ kind: 'reset', guest })),
    'hostile': fc.record({ guest: g, request: fc.constantFrom(...hostileKinds), pick }).map((r) => ({ kind: 'hostile', ...r })),
  };
  return fc.oneof(...kinds.map((k) => ({ weight: WEIGHT[k], arbitrary: arbs[k] })));
}

/** A whole case: configuration, a swarm of enabled kinds, and the commands. */
export function caseArb(opts: WorkloadOptions = {}): fc.Arbitrary<Case> {
  const maxLength = opts.maxCommands ?? DEFAULT_MAX_COMMANDS;
  const configs = opts.config ? fc.constant(opts.config) : configArb;
  return fc
    .record({ config: configs, optional: fc.subarray([...OPTIONAL], { minLength: 1 }) })
    // size 'max': lengths range over the whole of 0..maxLength. fast-check's named sizes cap the
    // generated length whatever maxLength says ('medium' at 100), so --max-commands 1000 and
    // 100000 used to give the very same cases; up to 100 (the default 80) 'max' and 'medium'
    // generate the same lengths, so the default campaign is unchanged, byte for byte.
    .chain(({ config, optional }) =>
      fc.array(commandArb(config, ['driver', 'device', ...optional]), { maxLength, size: 'max' }).map((commands) => ({ config, commands })));
}
