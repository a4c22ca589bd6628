/**
 * fast-check workloads for the Hyper-V family: a configuration and a list of commands. Every
 * choice is a command: targets, host requests (parts, range lengths), which side handles the
 * next message (with a rejected version or a failed send), status ticks, hot-adds and offlining,
 * guest programs and hostile host messages. Swarm testing as properties/workload.ts: each case
 * enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { withLayouts } from '../layout.ts';
import { gpfnSpace, guestId, type GuestId } from '../../core/index.ts';
import { AIM_PICK, commandListArb, familyLocalityArb, keptArb, localDraws, reuseBurstArb, swingArb, type FamilyLocality } from '../workload.ts';
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

/**
 * Now and then (1 in 20) a value the command's contract refuses (core/hyperv/contracts.ts): a
 * negative target (hv/bad-target), a request in 0 parts or a hot-add of 0 pages (hv/bad-size).
 */
const orBad = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 19, arbitrary: good }, { weight: 1, arbitrary: bad });

/**
 * Locality, a swarm dimension (issue 22; properties/workload.ts says why): a concentrated case
 * draws every pick from a small pool (small slots of the guest's allocator, which swap-removal
 * refills with the page freed last, and LIFO_PICK, the last slot itself), sends most commands to
 * one guest, allocates and frees a page or two, aims most hostile messages at the top of the
 * guest's memory (where balloon_up takes its blocks: the highest free 2 MiB block first) and moves
 * the target in small swings round one level, so balloon-ups, unballoons, writes, frees and hostile
 * messages pile up on the same few gpfns. Null: uniform, as before.
 */
/** The level of a Hyper-V case: where the targets stay, from this balloon size up by two big units. */
export type HvLocality = FamilyLocality<HvCommandKind>;

/** Half the levels low, half anywhere up to the biggest guest's memory (as VMware's, properties/vmware/workload.ts). */
const hvLocalityArb = (config: HvSystemConfig) => familyLocalityArb(OPTIONAL, {
  // Most concentrated cases on the 4 KiB guest, the one that balloons (hvBalloonOffered).
  guest: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 1 }) }),
  level: fc.oneof(fc.nat({ max: 12 }), fc.nat({ max: Math.max(...config.guests.map((g) => g.ramPages)) })),
  // Aimed hostile requests (properties/workload.ts AIM_PICK) in half the concentrated cases.
  aims: true,
});

function commandArb(kind: HvCommandKind, config: HvSystemConfig, local: HvLocality | null = null): fc.Arbitrary<HvCommand> {
  // A hostile message's pick is the guest page where its scan starts (properties/hyperv/hostile.ts).
  const hot = local ? config.guests[local.guest % config.guests.length] : undefined;
  // The top of the memory it boots with: the hot-add region is offline until added, so balloon_up's highest free block lies below it.
  const bootTop = hot ? (hot.hotAddPages > 0 ? hot.hotAddStart : gpfnSpace(hot)) : 0;
  const top = hot ? Math.floor(bootTop / hot.guestPageGpfns) - 1 : 0;
  const { guest, pick, hostilePick, few } = localDraws(config.guests.length, local, { few: 6, hostile: [Math.max(0, top - 2 * config.allocUnit), top] });
  const maxRam = Math.max(...config.guests.map((g) => g.ramPages));
  const target = swingArb(local, { span: 2 * config.allocUnit, max: maxRam, zero: true });
  const maybe = <T>(a: fc.Arbitrary<T>, w = 3) => fc.oneof({ weight: w, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: a });
  const flag = (w: number) => fc.oneof({ weight: w, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, pages: orBad(target, fc.integer({ min: -3, max: -1 })) });
    case 'host-send': return fc.tuple(guest, maybe(orBad(fc.integer({ min: 1, max: 3 }), fc.constant(0))), maybe(fc.integer({ min: 1, max: 4 }))).map(([g, parts, span]) => {
      const c: HvCommand = { kind: 'host-send', guest: g };
      if (parts !== undefined) c.parts = parts;
      if (span !== undefined) c.span = span;
      return c;
    });
    // A concentrated case runs one guest's start-up often: it rejects a version twice as often, so every version can run out (versionExhausted).
    case 'host-recv': return fc.tuple(guest, flag(local ? 3 : 6)).map(([g, reject]): HvCommand => (reject ? { kind: 'host-recv', guest: g, reject } : { kind: 'host-recv', guest: g }));
    case 'guest': return fc.tuple(guest, flag(7)).map(([g, fail]): HvCommand => (fail ? { kind: 'guest', guest: g, fail } : { kind: 'guest', guest: g }));
    case 'status': return fc.record({ kind: fc.constant('status' as const), guest });
    case 'hot-add': return fc.record({ kind: fc.constant('hot-add' as const), guest, pick, pages: orBad(fc.integer({ min: 1, max: 16 }), fc.constant(0)) });
    case 'offline': return fc.record({ kind: fc.constant('offline' as const), guest });
    case 'alloc': return fc.record({ kind: fc.constant('alloc' as const), guest, pages: fc.integer({ min: 1, max: few }), pick });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: few }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    // An aimed case (HvLocality.aim) sends most often the message that names the page given back
    // last itself: an UNBALLOON_REQUEST of a page the guest holds (the others look for a ballooned
    // page, the hole or past the end).
    case 'hostile': return fc.record({
      kind: fc.constant('hostile' as const), guest, pick: hostilePick,
      request: local?.aim ? fc.oneof({ weight: 2, arbitrary: fc.constant('unballoon-never-ballooned' as const) }, { weight: 1, arbitrary: fc.constantFrom(...hvHostileKinds) }) : fc.constantFrom(...hvHostileKinds),
    });
  }
}

/**
 * The lead of a reuse burst (reuseBurstArb): the balloon one page above `level` and back. The host
 * asks for the pages up to level + 1 (BALLOON_REQUEST), the driver answers (balloon_up) and the
 * host takes them (two reads: a second part when the request was big); then, when `hostile`, an
 * UNBALLOON_REQUEST naming twice the lowest page ballooned (unballoon-overlapping scans from page
 * 0); then the target back to `level`, whose UNBALLOON_REQUEST names one page, the lowest the host
 * holds (host-side.ts unballoon backs the lowest first): the page the hostile request named, which
 * the driver frees (balloon_down) and the burst's allocation at LIFO_PICK and aimed hostile
 * request then work. The channel is open by then: a concentrated case starts with the start-up
 * exchange (hvCommandsArb).
 */
const hvCycle = (guest: GuestId, level: number, hostile: boolean): HvCommand[] => [
  { kind: 'set-target', guest, pages: level + 1 }, { kind: 'host-send', guest }, { kind: 'guest', guest },
  { kind: 'host-recv', guest }, { kind: 'host-recv', guest },
  ...(hostile ? [{ kind: 'hostile', guest, request: 'unballoon-overlapping', pick: 0 } as const] : []),
  { kind: 'set-target', guest, pages: level }, { kind: 'host-send', guest }, { kind: 'guest', guest },
];

/** A burst's hostile message: aimed at the page given back last (AIM_PICK), most often an UNBALLOON_REQUEST of that page, which the guest holds. */
const hvAimed = (guest: GuestId): fc.Arbitrary<HvCommand> => fc.record({
  kind: fc.constant('hostile' as const), guest: fc.constant(guest), pick: fc.constant(AIM_PICK),
  request: fc.oneof({ weight: 2, arbitrary: fc.constant('unballoon-never-ballooned' as const) }, { weight: 1, arbitrary: fc.constantFrom(...hvHostileKinds) }),
});

/**
 * The hot guest's start-up exchange (DM_VERSION_REQUEST answered, then DM_CAPABILITIES_REPORT:
 * hv_balloon.c balloon_connect), which opens every concentrated case, so that the host can ask
 * from the first target on: drawn one by one, the four steps took a good part of a case. The host
 * rejects a version one time in four, as a concentrated case's host-recv does. Each step is kept
 * 15 times in 16, and its keep shrinks to a drop on its own.
 */
function hvStartupArb(guest: GuestId): fc.Arbitrary<HvCommand[]> {
  const recv = fc.oneof({ weight: 3, arbitrary: fc.constant<HvCommand>({ kind: 'host-recv', guest }) }, { weight: 1, arbitrary: fc.constant<HvCommand>({ kind: 'host-recv', guest, reject: true }) });
  const step = fc.constant<HvCommand>({ kind: 'guest', guest });
  return fc.tuple(...[recv, step, recv, step].map(keptArb)).map((xs) => xs.flat());
}

/** Commands for `config`, with a swarm subset of the optional kinds (and, for half the cases, locality). */
export function hvCommandsArb(config: HvSystemConfig, maxCommands = 60): fc.Arbitrary<HvCommand[]> {
  return fc.record({ on: fc.subarray([...OPTIONAL], { minLength: 0 }), local: hvLocalityArb(config) }).chain(({ on, local }) => {
    // A concentrated case always allocates (else it has nothing to write or free) and runs its extra kinds too.
    const enabled = local ? [...on, 'alloc', ...local.kinds] : on;
    const kinds = (Object.keys(WEIGHT) as HvCommandKind[]).filter((k) => !OPTIONAL.includes(k) || enabled.includes(k));
    // ... and moves its target twice as often, so the balloon goes up and down over the same gpfns.
    const one = fc.oneof(...kinds.map((k) => ({ weight: local && k === 'set-target' ? 2 * WEIGHT[k] : WEIGHT[k], arbitrary: commandArb(k, config, local) })));
    if (!local) return commandListArb(one, null, maxCommands);
    const hot = guestId(local.guest % config.guests.length);
    const hostile = kinds.includes('hostile');
    // ... and opens with the start-up exchange (hvStartupArb); then, in half of them (a swarm
    // dimension of its own), its commands come one at a time, in the other half they are mixed
    // with reuse bursts (reuseBurstArb, led half the time by hvCycle), with a hostile request
    // among them when those are enabled. Bursts in every concentrated case, one item in six, took
    // room from single commands: the faults found by a run of them (a big unballoon, two
    // hot-adds) came later (bench/ZOO.md). A case with bursts has them twice as often (2 items in 7),
    // of up to five steps, so that a page given back, written twice and named by a hostile
    // message (write>write>hostile) fits in one burst as often as before.
    const burst = reuseBurstArb<HvCommand>(hot, hostile ? hvAimed(hot) : null, hvCycle(hot, local.level, hostile), null, 5) as fc.Arbitrary<HvCommand[]>;
    const opened = (list: fc.Arbitrary<HvCommand[]>) => fc.tuple(hvStartupArb(hot), list).map(([first, rest]) => [...first, ...rest].slice(0, maxCommands));
    return fc.oneof(opened(commandListArb(one, null, maxCommands)), opened(commandListArb(one, burst, maxCommands, 2)));
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
