/**
 * fast-check workloads for the Hyper-V family: a configuration and a list of commands. Every
 * choice is a command: targets, host requests (parts, range lengths), which side handles the
 * next message (with a rejected version or a failed send), status ticks, hot-adds and offlining,
 * guest programs and hostile host messages. Swarm testing as properties/workload.ts: each case
 * enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { withLayouts } from '../layout.ts';
import { guestId } from '../../core/index.ts';
import { hvHostileKinds, hvSystemConfig, type HvCommand, type HvCommandKind, type HvSystemConfig } from '../../core/hyperv/index.ts';

export interface HvCase { config: HvSystemConfig; commands: HvCommand[] }

const OPTIONAL: readonly HvCommandKind[] = ['status', 'alloc', 'free', 'write', 'read', 'hostile'];
const WEIGHT: Record<HvCommandKind, number> = {
  'set-target': 3, 'host-send': 5, 'host-recv': 8, 'guest': 8, 'status': 2, 'hot-add': 3, 'offline': 2,
  'alloc': 3, 'free': 2, 'write': 2, 'read': 2, 'hostile': 2,
};

/**
 * The default system of property runs: a 4 KiB guest with an MMIO hole and a hot-add region, and
 * a 64 KiB guest (no ballooning) with a hot-add region, on a host a little short of frames for
 * both regions. Three ranges a message and a 4-page big unit keep multi-part exchanges and the
 * fall-back to single pages within reach of short runs (Linux: ~510 ranges, 512 pages).
 */
export const hvCheckConfig = (): HvSystemConfig => hvSystemConfig();

function commandArb(kind: HvCommandKind, config: HvSystemConfig): fc.Arbitrary<HvCommand> {
  const guest = fc.integer({ min: 0, max: config.guests.length - 1 }).map(guestId);
  const pick = fc.nat(1 << 16);
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  const maybe = <T>(a: fc.Arbitrary<T>, w = 3) => fc.oneof({ weight: w, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: a });
  const flag = (w: number) => fc.oneof({ weight: w, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, pages: fc.integer({ min: 0, max: maxRam }) });
    case 'host-send': return fc.tuple(guest, maybe(fc.integer({ min: 1, max: 3 })), maybe(fc.integer({ min: 1, max: 4 }))).map(([g, parts, span]) => {
      const c: HvCommand = { kind: 'host-send', guest: g };
      if (parts !== undefined) c.parts = parts;
      if (span !== undefined) c.span = span;
      return c;
    });
    case 'host-recv': return fc.tuple(guest, flag(6)).map(([g, reject]): HvCommand => (reject ? { kind: 'host-recv', guest: g, reject } : { kind: 'host-recv', guest: g }));
    case 'guest': return fc.tuple(guest, flag(7)).map(([g, fail]): HvCommand => (fail ? { kind: 'guest', guest: g, fail } : { kind: 'guest', guest: g }));
    case 'status': return fc.record({ kind: fc.constant('status' as const), guest });
    case 'hot-add': return fc.record({ kind: fc.constant('hot-add' as const), guest, pick, pages: fc.integer({ min: 1, max: 16 }) });
    case 'offline': return fc.record({ kind: fc.constant('offline' as const), guest });
    case 'alloc': return fc.record({ kind: fc.constant('alloc' as const), guest, pages: fc.integer({ min: 1, max: 6 }), pick });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: 6 }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'hostile': return fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...hvHostileKinds), pick });
  }
}

export function hvCommandsArb(config: HvSystemConfig, maxCommands = 60): fc.Arbitrary<HvCommand[]> {
  return fc.subarray([...OPTIONAL], { minLength: 0 }).chain((on) => {
    const kinds = (Object.keys(WEIGHT) as HvCommandKind[]).filter((k) => !OPTIONAL.includes(k) || on.includes(k));
    const one = fc.oneof(...kinds.map((k) => ({ weight: WEIGHT[k], arbitrary: commandArb(k, config) })));
    return fc.array(one, { maxLength: maxCommands, size: 'medium' });
  });
}

/**
 * The default system, laid out as a real machine in one case of four (properties/layout.ts):
 * DM_BALLOON_RESPONSE and DM_UNBALLOON_REQUEST carry union dm_mem_page_range, a 40-bit start page
 * (hv_balloon.c), so pages may sit up to 2^40.
 */
export function hvConfigArb(): fc.Arbitrary<HvSystemConfig> {
  return withLayouts(fc.constant(hvCheckConfig()), { bits: 40, align: (c, i) => c.guests[i].guestPageGpfns });
}

export function hvCaseArb(config: HvSystemConfig = hvCheckConfig(), maxCommands = 60): fc.Arbitrary<HvCase> {
  return hvCommandsArb(config, maxCommands).map((commands) => ({ config, commands }));
}
