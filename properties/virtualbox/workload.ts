/**
 * fast-check workloads for the VirtualBox family: a configuration (each guest's CPUs: one applies
 * a balloon change inside the request, several queue it) and a list of commands. Every choice is
 * a command: the host's wanted size, the event delivered, the guest's balloon steps, the EMT's
 * apply, refusals, a session closing, guest programs and hostile requests. Swarm testing as
 * properties/workload.ts: each case enables a subset of the optional kinds.
 */
import fc from 'fast-check';
import { layoutsArb } from '../layout.ts';
import { guestId, type GuestId } from '../../core/index.ts';
import { AIM_PICK, commandListArb, familyLocalityArb, LIFO_PICK, localDraws, reuseBurstArb, swingArb, type FamilyLocality } from '../workload.ts';
import {
  physChunksOf, vboxGuestConfig, vboxHostileKinds, vboxRefusals, vboxSystemConfig, type VboxCommand, type VboxCommandKind,
  type VboxSystemConfig,
} from '../../core/virtualbox/index.ts';

export interface VboxCase { config: VboxSystemConfig; commands: VboxCommand[] }

const OPTIONAL: readonly VboxCommandKind[] = ['refuse', 'close', 'alloc', 'free', 'write', 'read', 'hostile'];
const WEIGHT: Record<VboxCommandKind, number> = {
  'step': 8, 'deliver': 4, 'apply': 4, 'set-target': 3, 'refuse': 1, 'close': 1, 'alloc': 3, 'free': 2, 'write': 2, 'read': 2, 'hostile': 2,
};

/**
 * The default system of property runs: a one-CPU guest and a two-CPU guest with an MMIO hole, on
 * a host with frames to spare. Chunks of 8 pages keep a whole balloon within reach of short runs;
 * VirtualBox's are 256 (docs/families/virtualbox.md: `vboxRealConfig` keeps 256).
 */
export function vboxCheckConfig(): VboxSystemConfig {
  return vboxSystemConfig();
}

/** A system with VirtualBox's own chunk of 256 pages (1 MiB): one two-CPU guest of 8 MiB with a 1 MiB floor. */
export function vboxRealConfig(): VboxSystemConfig {
  return vboxSystemConfig({
    hostFrames: 2600, reservedFrames: 4, chunkPages: 256,
    guests: [vboxGuestConfig({ ramPages: 2048, floorPages: 256, cpus: 2, holeStart: 1024, holePages: 64 })],
  });
}

/** Configurations like the default one, with each guest's CPU count generated and, one in four, laid out as a real machine. */
export function vboxConfigArb(): fc.Arbitrary<VboxSystemConfig> {
  return vboxDenseConfigArb().chain(vboxLayoutsArb);
}

function vboxDenseConfigArb(): fc.Arbitrary<VboxSystemConfig> {
  const base = vboxCheckConfig();
  const cpus = fc.constantFrom(1, 2, 4);
  return fc.tuple(cpus, cpus).map(([c0, c1]) => ({
    ...base,
    guests: [{ ...base.guests[0], cpus: c0 }, { ...base.guests[1], cpus: c1 }],
  }));
}

/** `c`, laid out as a real machine in one case of four (properties/layout.ts): RTGCPHYS addresses are 64 bits; a chunk stays in one range. */
function vboxLayoutsArb(c: VboxSystemConfig): fc.Arbitrary<VboxSystemConfig> {
  return layoutsArb(c, { bits: 64, align: (x) => x.chunkPages });
}

/** Now and then (1 in 20) a wanted size the command's contract refuses: a negative one (virtualbox/bad-target). */
const orBad = <T>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<T>) => fc.oneof({ weight: 19, arbitrary: good }, { weight: 1, arbitrary: bad });

/**
 * Locality, a swarm dimension (issue 22; properties/workload.ts says why): a concentrated case
 * draws every pick from a small pool (small slots of the guest's allocator, which swap-removal
 * refills with the page freed last, and LIFO_PICK, the last slot itself), sends most commands to
 * one guest, allocates and frees a page or two, aims most hostile requests at the lowest gpfns
 * (the driver's chunks are the first pages of the free list, and a deflated chunk's pages go back
 * to its end) and swings the wanted size between two neighbouring chunk counts, so inflates,
 * deflates, writes, frees, closes and hostile requests pile up on the same few gpfns. Null:
 * uniform, as before.
 */
/** The level of a VirtualBox case: the lower of the two chunk counts the wanted size swings between. */
export type VboxLocality = FamilyLocality<VboxCommandKind>;

/**
 * Half the levels low, half anywhere up to the biggest guest's chunk count, so a concentrated case
 * also swings round a full balloon (the maximum chunk count is a limit of its own: VBoxGuest
 * compares the wanted size with cMaxChunks).
 */
const vboxLocalityArb = (config: VboxSystemConfig) => familyLocalityArb(OPTIONAL, {
  guest: fc.nat({ max: 1 }),
  level: fc.oneof(fc.nat({ max: 3 }), fc.nat({ max: Math.max(...config.guests.map((g) => physChunksOf(g, config.chunkPages))) })),
});

function commandArb(kind: VboxCommandKind, config: VboxSystemConfig, local: VboxLocality | null = null): fc.Arbitrary<VboxCommand> {
  // A hostile request's pick is the gpfn where its scan starts (properties/virtualbox/hostile.ts).
  const { guest, pick, hostilePick, few } = localDraws(config.guests.length, local, { few: 12, hostile: [0, 2 * config.chunkPages - 1] });
  const maxChunks = Math.max(...config.guests.map((g) => physChunksOf(g, config.chunkPages)));
  const wanted = swingArb(local, { span: 1, max: maxChunks + 2, zero: false });
  switch (kind) {
    case 'set-target': return fc.record({ kind: fc.constant('set-target' as const), guest, chunks: orBad(wanted, fc.integer({ min: -3, max: -1 })) });
    case 'deliver': return fc.record({ kind: fc.constant('deliver' as const), guest });
    case 'step': return fc.record({ kind: fc.constant('step' as const), guest });
    case 'apply': return fc.record({ kind: fc.constant('apply' as const), guest });
    case 'refuse': return fc.record({ kind: fc.constant('refuse' as const), guest, status: fc.constantFrom(...vboxRefusals) });
    case 'close': return fc.record({ kind: fc.constant('close' as const), guest });
    case 'alloc': return fc.record({
      kind: fc.constant('alloc' as const), guest, pick,
      // ... and now and then a lot at once, so the host runs out of frames.
      pages: local ? fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: few }) }, { weight: 1, arbitrary: fc.integer({ min: 12, max: 40 }) }) : fc.integer({ min: 1, max: few }),
    });
    case 'free': return fc.record({ kind: fc.constant('free' as const), guest, pages: fc.integer({ min: 1, max: few }), pick });
    case 'write': return fc.record({ kind: fc.constant('write' as const), guest, pick });
    case 'read': return fc.record({ kind: fc.constant('read' as const), guest, pick });
    case 'hostile': return fc.record({ kind: fc.constant('hostile' as const), guest, request: fc.constantFrom(...vboxHostileKinds), pick: hostilePick });
  }
}

/** The wanted size down to `level` chunks, told to the guest, whose worker fetches it and sends a deflate, which the EMT applies. */
const vboxGiveBack = (guest: GuestId, level: number): VboxCommand[] => [
  { kind: 'set-target', guest, chunks: level }, { kind: 'deliver', guest }, { kind: 'step', guest }, { kind: 'step', guest }, { kind: 'apply', guest },
];

/**
 * The hot guest's balloon to `chunks`: the wanted size, told to the guest, which fetches it and
 * moves up to two chunks (a step sends one, the EMT applies it when queued).
 */
const vboxMoveTo = (guest: GuestId, chunks: number): VboxCommand[] => [
  { kind: 'set-target', guest, chunks }, { kind: 'deliver', guest }, { kind: 'step', guest },
  { kind: 'step', guest }, { kind: 'apply', guest }, { kind: 'step', guest }, { kind: 'apply', guest },
];

/**
 * A chunk cycle (issue 22), VirtualBox's own burst: the balloon of the hot guest one chunk over
 * `level` and back (a chunk A inflated and deflated), then two chunks over it and one back. The
 * driver inflates the allocator's first free pages and a deflated chunk's pages go to the end of
 * the free list (impl/virtualbox/driver.ts), whose swap-removal moves the last pages into the
 * slots an inflate empties (impl/index-set.ts): so the first inflate of the climb takes other
 * pages and the second takes A's again, and A is deflated, inflated and deflated once more, as a
 * Linux guest's LIFO page lists hand a chunk just freed straight back (docs/families/virtualbox.md:
 * the model's free-list order is a simplification). Between the moves the guest takes the page
 * given back last (alloc at LIFO_PICK) and writes it, frees it, takes the whole chunk back, or
 * sends `hostile` (aimed at that page: AIM_PICK); while A is back in the balloon, most often an
 * inflate-twice of it. One cycle in four then closes the session (vgdrvCloseMemBalloon) and
 * drains it, one in four climbs two chunks more (A's pages inflated once more). Each command is
 * kept 15 times in 16, so a counterexample keeps only what it needs.
 */
function vboxCycleArb(guest: GuestId, level: number, maxChunks: number, cp: number, hostile: fc.Arbitrary<VboxCommand> | null): fc.Arbitrary<VboxCommand[]> {
  const alloc: VboxCommand = { kind: 'alloc', guest, pages: 1, pick: LIFO_PICK };
  const write: VboxCommand = { kind: 'write', guest, pick: LIFO_PICK };
  // The whole chunk given back last: LIFO_PICK - (cp - 1) names the last cp slots of a set whose
  // size divides lcm(1..22) (properties/workload.ts LIFO_PICK), so the guest allocates the
  // deflated chunk's pages, writes the first of them and frees them all.
  const chunk = LIFO_PICK - (cp - 1);
  const retake: VboxCommand[] = [{ kind: 'alloc', guest, pages: cp, pick: chunk }, { kind: 'write', guest, pick: chunk }, { kind: 'free', guest, pages: cp, pick: chunk }];
  const reuse = [
    { weight: 1, arbitrary: fc.constant([alloc, write]) },
    // ... a write of the page in use last, which the session's close leaves where it was:
    { weight: 1, arbitrary: fc.constant([write]) },
    { weight: 1, arbitrary: fc.constant<VboxCommand[]>([{ kind: 'free', guest, pages: 1, pick: LIFO_PICK }]) },
    { weight: 2, arbitrary: fc.constant(retake) },
    ...(hostile ? [{ weight: 2, arbitrary: hostile.map((h) => [h]) }, { weight: 2, arbitrary: hostile.map((h) => [alloc, write, h]) }] : []),
  ];
  const between = fc.array(fc.oneof(...reuse), { maxLength: 3 }).map((xs) => xs.flat());
  // ... and, once the chunk is back in the balloon, most often a request to inflate again the page
  // given back last (inflate-twice aimed at it: properties/workload.ts AIM_PICK), before the chunk goes out once more.
  const twice: VboxCommand = { kind: 'hostile', guest, request: 'inflate-twice', pick: AIM_PICK };
  const whileHeld = fc.array(fc.oneof(...reuse, ...(hostile ? [{ weight: 3, arbitrary: fc.constant([twice]) }] : [])), { maxLength: 3 }).map((xs) => xs.flat());
  // The close: every chunk deflated from the top (a step and an apply each), then the session's end.
  const close: VboxCommand[] = [{ kind: 'close', guest }, ...Array.from({ length: maxChunks }, (): VboxCommand[] => [{ kind: 'step', guest }, { kind: 'apply', guest }]).flat(), { kind: 'step', guest },
    // ... and VBoxService opening and closing it twice more with nothing held (a session restarted).
    { kind: 'close', guest }, { kind: 'step', guest }, { kind: 'close', guest }, { kind: 'step', guest }];
  const kept = (cs: readonly VboxCommand[]): fc.Arbitrary<VboxCommand[]> => fc.tuple(...cs.map((c) => fc.tuple(fc.constant(c), fc.nat({ max: 15 }))))
    .map((xs) => xs.filter(([, k]) => k !== 0).map(([c]) => c));
  return fc.tuple(between, whileHeld, between, between, fc.nat({ max: 3 })).chain(([b1, b2, b3, b4, ending]) => kept([
    ...vboxMoveTo(guest, level + 1), ...vboxMoveTo(guest, level), ...b1,
    ...vboxMoveTo(guest, level + 2), ...b2, ...vboxMoveTo(guest, level + 1), ...b3,
    ...(ending === 0 ? [...close, ...b4] : ending === 1 ? vboxMoveTo(guest, level + 3) : []),
  ]));
}

/**
 * Whether a concentrated case runs chunk cycles: taken from the level (its second bit) rather than
 * drawn, as properties/workload.ts aimOf, so the choice adds no draw. A shrink of the level can
 * flip it (the cycles go or come with the level).
 */
const withCycles = (local: VboxLocality): boolean => (local.level >> 1) % 2 === 0;

/** Commands for `config`, with a swarm subset of the optional kinds (and, for half the cases, locality). */
export function vboxCommandsArb(config: VboxSystemConfig, maxCommands = 60): fc.Arbitrary<VboxCommand[]> {
  return fc.record({ on: fc.subarray([...OPTIONAL], { minLength: 0 }), local: vboxLocalityArb(config) }).chain(({ on, local }) => {
    // A concentrated case always allocates (else it has nothing to write or free) and sends hostile requests (its bursts and
    // cycles work the page given back last, where a bad request hurts most), and runs its extra kinds too.
    const enabled = local ? [...on, 'alloc', 'hostile', ...local.kinds] : on;
    const kinds = (Object.keys(WEIGHT) as VboxCommandKind[]).filter((k) => !OPTIONAL.includes(k) || enabled.includes(k));
    // ... and moves its wanted size twice as often, so the balloon goes up and down over the same gpfns.
    const one = fc.oneof(...kinds.map((k) => ({ weight: local && k === 'set-target' ? 2 * WEIGHT[k] : WEIGHT[k], arbitrary: commandArb(k, config, local) })));
    // ... and now and then reuses the page given back last at once (reuseBurstArb), with a hostile request among it when those are enabled,
    const hot = guestId(local ? local.guest % config.guests.length : 0);
    const hostile = local && kinds.includes('hostile') ? commandArb('hostile', config, local) : null;
    // A cycle's hostile requests are aimed at the page given back last, whether or not the case aims its others.
    const aimed = local && kinds.includes('hostile') ? fc.record({ kind: fc.constant('hostile' as const), guest: fc.constant(hot), request: fc.constantFrom(...vboxHostileKinds), pick: fc.constant(AIM_PICK) }) : null;
    if (!local) return commandListArb(one, null, maxCommands);
    const giveBack = reuseBurstArb<VboxCommand>(hot, hostile, vboxGiveBack(hot, local.level)) as fc.Arbitrary<VboxCommand[]>;
    // ... or, in half the concentrated cases (withCycles), runs a chunk cycle (vboxCycleArb), half as often as a reuse burst (a cycle
    // is ten times as long and takes the room of many single commands: the other half keep it for them).
    if (!withCycles(local)) return commandListArb(one, giveBack, maxCommands);
    const cycle = vboxCycleArb(hot, local.level, physChunksOf(config.guests[hot], config.chunkPages), config.chunkPages, aimed);
    return commandListArb(one, fc.oneof({ weight: 2, arbitrary: giveBack }, { weight: 1, arbitrary: cycle }), maxCommands);
  });
}

/** A case: the given configuration, or a generated one, and commands for it. */
export function vboxCaseArb(config?: VboxSystemConfig, maxCommands = 60): fc.Arbitrary<VboxCase> {
  const configs = config ? fc.constant(config) : vboxDenseConfigArb();
  // The layout is drawn after the commands (properties/layout.ts layoutsArb).
  return configs.chain((c) => fc.tuple(vboxCommandsArb(c, maxCommands), config ? fc.constant(c) : vboxLayoutsArb(c)).map(([commands, laid]) => ({ config: laid, commands })));
}

/** After shrinking: give each guest one CPU where the failure allows, so a counterexample is asynchronous only when it must be. */
export function simplifyVboxCase(c: VboxCase, stillFails: (c: VboxCase) => boolean): VboxCase {
  let best = c;
  for (let i = 0; i < best.config.guests.length; i++) {
    const g = best.config.guests[i];
    if (g.cpus === 1) continue;
    const guests = best.config.guests.map((x, j) => (j === i ? { ...x, cpus: 1 } : x));
    const cand = { ...best, config: { ...best.config, guests } };
    if (stillFails(cand)) best = cand;
  }
  return best;
}
