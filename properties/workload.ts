/**
 * fast-check workloads: a system configuration and a list of commands for it. Swarm testing
 * (Groce et al., 2012): each case enables a random subset of command kinds, so some runs are all
 * targets and driver steps, others hammer allocation or hostile requests; this finds more than
 * one fixed mix. Weights keep driver and device steps common, since nothing moves without them.
 */
import fc from 'fast-check';
import {
  FEATURE_NAMES, guestId, hostileKinds, reportOrderOf, type GuestId, type Command, type CommandKind, type GuestConfig, type QueueName, type SystemConfig,
} from '../core/virtio/index.ts';
import { DEFAULT_MAX_COMMANDS } from './defaults.ts';
import { layoutsArb, withLayouts, type LayoutWire } from './layout.ts';
import { hintingArb } from './virtio/hinting/workload.ts';
import { reportOrderArb } from './virtio/report-order.ts';

export interface Case { config: SystemConfig; commands: Command[] }

export interface WorkloadOptions {
  /** Longest command list (default DEFAULT_MAX_COMMANDS). */
  maxCommands?: number;
  /** Fix the configuration instead of generating one. */
  config?: SystemConfig;
}

const OPTIONAL: readonly CommandKind[] = ['set-target', 'alloc', 'free', 'write', 'read', 'reset', 'hostile', 'report'];
const WEIGHT: Record<CommandKind, number> = {
  'driver': 8, 'device': 8, 'set-target': 3, 'alloc': 3, 'free': 2, 'write': 3, 'read': 3, 'reset': 1, 'hostile': 1, 'report': 2,
  // Never in a swarm's draw: hinting steps come with the feature (./virtio/hinting/workload.ts).
  'hint': 0,
};

const guestArbOf = (minPages: number, maxPages: number): fc.Arbitrary<GuestConfig> => fc
  .record({
    big: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    pages: fc.integer({ min: minPages, max: maxPages }),
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
      ramPages, guestPageGpfns: gpp as 1 | 16, holeStart, holePages: hole * unit, floorPages: Math.min(floor, pages - 1) * unit,
      features: { mustTellHost, statsVq, deflateOnOom }, assignedDevice: assigned,
    };
  });

/**
 * Systems of 1 to `maxGuests` guests of `minPages` to `maxPages` guest pages, host pages of 4 KiB,
 * 64 KiB or 2 MiB as `hostWeights` say, and one of `batches` as the batch limit.
 */
const configArbOf = (maxGuests: number, minPages: number, maxPages: number, hostWeights: readonly [number, number, number], batches: readonly number[]): fc.Arbitrary<SystemConfig> => fc
  .record({
    guests: fc.array(guestArbOf(minPages, maxPages), { minLength: 1, maxLength: maxGuests }),
    hostPage: fc.oneof(
      { weight: hostWeights[0], arbitrary: fc.constant<1 | 16 | 512>(1) }, { weight: hostWeights[1], arbitrary: fc.constant<1 | 16 | 512>(16) },
      { weight: hostWeights[2], arbitrary: fc.constant<1 | 16 | 512>(512) },
    ),
    maxBatch: fc.constantFrom(...batches),
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
 * Layouts of real machines (properties/layout.ts) on virtio's wire: the queues carry le32 page
 * frame numbers (VIRTIO 1.2 5.5.6), and a range starts on a guest page and a host page.
 */
const VIRTIO_WIRE: LayoutWire<SystemConfig> = { bits: 32, align: (c, i) => Math.max(c.hostPageGpfns, c.guests[i].guestPageGpfns) };

/**
 * Small systems of 1 to 3 guests, overcommitted or not, 4 KiB or 64 KiB host pages; 2 MiB host
 * pages are rare: they need guests of at least two of them.
 */
const denseConfigArb: fc.Arbitrary<SystemConfig> = configArbOf(3, 3, 12, [6, 3, 1], [16, 32, 256]);
/** The same, laid out as real machines in one case of four (properties/layout.ts). */
export const configArb: fc.Arbitrary<SystemConfig> = withLayouts(denseConfigArb, VIRTIO_WIRE);

/**
 * The systems of a concentrated case (Locality): one or two guests of two or three guest pages,
 * mostly on host pages bigger than a guest page, so that a run's events share a few host pages
 * and partly ballooned host pages are the rule; small batches, so that filling or emptying a host
 * page takes several buffers in a row.
 */
export const compactConfigArb: fc.Arbitrary<SystemConfig> = configArbOf(2, 2, 3, [1, 4, 1], [16, 32]);

/**
 * A guest scaled for 2 MiB host pages: memory in whole host pages (two to four of them), so a
 * host page can be ballooned whole and released, and partly and kept.
 */
function bigHostPages(g: GuestConfig): GuestConfig {
  const hostPages = 2 + (g.ramPages % 3);
  const ramPages = hostPages * 512;
  return { ...g, ramPages, holeStart: Math.min(g.holeStart, ramPages), floorPages: g.floorPages * 4 };
}

/**
 * Locality, a swarm dimension (issue 22): a concentrated case draws every `pick` from a pool of one
 * to three small values, sends most commands to one guest, allocates and frees a page or two at a
 * time, and aims most hostile requests at gpfns the guest holds (already ballooned, unacknowledged,
 * never inflated, a batch too big of free ones, its hole), so that the events of a run pile up on a few host pages. Bugs of partly
 * ballooned host pages need four to six events in order on one host page, which uniform picks
 * over the whole guest make about once in tens of thousands of cases. The allocators hand pages
 * out by index (impl/guest-memory.ts `choose`, an insertion-ordered set with swap-removal), so a
 * small pick names the oldest slots, which a removal refills with the page freed last: together
 * with the driver's LIFO balloon (Linux balloon_page_dequeue, the list's head) a pool of small
 * picks walks the most recently freed pages, as a guest's LIFO page lists do. Null: uniform.
 */
export interface Locality {
  picks: readonly number[];
  /** The guest most commands go to. */
  guest: number;
  /** Kinds enabled besides the swarm's own draw: a concentrated case runs most kinds, so chains mix every event. */
  kinds: readonly CommandKind[];
}

/**
 * The pick of the last slot: lcm(1..22) - 1 is one less than a multiple of every size up to 22
 * (and of many bigger ones), so `pick % size` names the last entry of the allocator's set, the
 * page freed (or allocated) last, in the reference (impl/guest-memory.ts `choose`, `usedGpfn`).
 * To another implementation it is one more pick.
 */
export const LIFO_PICK = 232_792_559;

/**
 * The pick of a hostile request aimed at the page given back last (issue 22): the runner keeps,
 * per guest, the last gpfn a deflate gave back (FamilyRunner.givenBack) and the family's `prepare`
 * starts the request's scan there (aimedPick), so the request lands on that page, or the next one
 * of the kind it needs, on the same host page when there is one. Before any give-back, and to any
 * code that builds a hostile request without the runner, it is one more pick. Hostile requests
 * are where a hostile guest or host hurts most on the page just given back: a driver or host that
 * still holds it half (a stale p2m entry, a frame not yet freed, an unballoon not yet answered)
 * shows there, and independent picks land there about once in thousands of cases.
 */
export const AIM_PICK = 232_792_553;

/**
 * The last gpfn of the last effect of `effects` that `gpfnsOf` says gave gpfns back to a guest
 * (FamilyRunner.givenBack); null when none did. Defensive: an implementation under test may
 * report anything, and a give-back it reports wrongly is for the properties to judge, not for this.
 */
export function lastGiven<E extends { kind: string }>(effects: readonly E[] | undefined, gpfnsOf: (e: E) => readonly number[] | null | undefined): { guest: number; gpfn: number } | null {
  if (!Array.isArray(effects)) return null;
  for (let i = effects.length - 1; i >= 0; i--) {
    const e = effects[i] as E & { guest?: unknown };
    const gs = e ? gpfnsOf(e) : null;
    const g = Array.isArray(gs) && gs.length > 0 ? gs[gs.length - 1] : undefined;
    if (typeof e.guest === 'number' && Number.isInteger(g) && (g as number) >= 0) return { guest: e.guest, gpfn: g as number };
  }
  return null;
}

/**
 * The pick a hostile request is built with: `toPick(aim)` when it is aimed (AIM_PICK) and the
 * guest was given a page back (`aim` ≥ 0), else `pick` unchanged.
 */
export function aimedPick(pick: number, aim: number | undefined, toPick: (gpfn: number) => number = (g) => g): number {
  return pick === AIM_PICK && aim !== undefined && aim >= 0 ? toPick(aim) : pick;
}

export const localityArb: fc.Arbitrary<Locality | null> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({
      picks: fc.uniqueArray(fc.oneof(fc.nat({ max: 3 }), fc.constant(LIFO_PICK)), { minLength: 1, maxLength: 3 }),
      guest: fc.nat({ max: 2 }),
      kinds: fc.subarray([...OPTIONAL]),
    }),
  },
);

/**
 * The locality of a concentrated case in the VMware, Hyper-V, VirtualBox and Xen workloads (the
 * same dimension as virtio's Locality, with `level`: where the family keeps its targets). Each
 * family says what its level means and where its hostile picks aim (`localDraws`, `swingArb`).
 */
export interface FamilyLocality<K extends string> {
  /** The pool every pick is drawn from: small slots of the guest's allocator and LIFO_PICK. */
  picks: readonly number[];
  /** The guest most commands go to. */
  guest: number;
  /** Kinds enabled besides the swarm's own draw. */
  kinds: readonly K[];
  /** Where the targets stay (the family's unit: balloon pages, chunks, a domain's size rank). */
  level: number;
  /** Hostile requests aimed at the page given back last (AIM_PICK) one time in two: a swarm dimension of its own. */
  aim: boolean;
}

/**
 * Half the cases uniform (null), half concentrated: a pool of one to three picks, a hot guest
 * drawn by `guest`, a subset of `optional` kinds, a level drawn by `level`; with `aims`, half the
 * concentrated cases aim their hostile requests at the page given back last (aimOf). Xen and
 * VMware aim (VMware since its reuse bursts start with a swing that gives pages back), and so does
 * Hyper-V (its hv-progress failure once blamed on aiming was a liveness bug of the reference host,
 * which the unaimed workload met too: a target set while a balloon request was in flight was lost
 * to its zero-page answer; impl/hyperv/host-side.ts); VirtualBox's single commands do not (its chunk cycles aim theirs: properties/virtualbox/workload.ts vboxCycleArb): at the zoo's seeds aiming moved three VirtualBox
 * faults' median runs to detection up (free-before-deflate 6.5 to 10) and, at the reach test's
 * seed, VirtualBox's chains below target did not shrink (its givenBack is in place); VMware's did
 * not either until its bursts were led by a swing (properties/vmware/workload.ts vmwBurstArb).
 */
export function familyLocalityArb<K extends string>(optional: readonly K[], opts: { guest: fc.Arbitrary<number>; level: fc.Arbitrary<number>; aims?: boolean }): fc.Arbitrary<FamilyLocality<K> | null> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: fc.record({
        picks: fc.uniqueArray(fc.oneof(fc.nat({ max: 3 }), fc.constant(LIFO_PICK)), { minLength: 1, maxLength: 3 }),
        guest: opts.guest,
        kinds: fc.subarray([...optional]),
        level: opts.level,
      }).map((l) => ({ ...l, aim: opts.aims === true && aimOf(l.level) })),
    },
  );
}

/**
 * Whether a concentrated case aims its hostile requests: taken from the level (odd: aimed) rather
 * than drawn, so that a case that does not aim keeps the very commands it had before aiming
 * existed (and the zoo's runs to detection of faults no hostile request finds do not move), and an
 * aimed one differs only in its hostile picks and the draws after them.
 */
const aimOf = (level: number): boolean => level % 2 === 1;

/** The draws every command of a family shares, concentrated as `local` says (uniform without it). */
export interface LocalDraws {
  /** The guest a command goes to: the hot one four times in five. */
  guest: fc.Arbitrary<GuestId>;
  /** A pick of the guest's allocator (or of a migration, a hot-add): from the pool, else any of 2^16 + 1. */
  pick: fc.Arbitrary<number>;
  /** A hostile request's pick (where its scan starts): the pool's, or one of `hostile` (inclusive); aimed (AIM_PICK) one in two when `local.aim`. */
  hostilePick: fc.Arbitrary<number>;
  /** Most pages an allocation or a free takes. */
  few: number;
}

export function localDraws(guests: number, local: FamilyLocality<string> | null, opts: { few: number; localFew?: number; hostile?: readonly [number, number] }): LocalDraws {
  const uniformGuest = fc.integer({ min: 0, max: guests - 1 }).map(guestId);
  const guest = local
    ? fc.oneof({ weight: 4, arbitrary: fc.constant(guestId(local.guest % guests)) }, { weight: 1, arbitrary: uniformGuest })
    : uniformGuest;
  const pick = local ? fc.constantFrom(...local.picks) : fc.nat(1 << 16);
  const near = local && opts.hostile ? fc.oneof(pick, fc.integer({ min: opts.hostile[0], max: opts.hostile[1] })) : pick;
  const hostilePick = local?.aim ? fc.oneof(fc.constant(AIM_PICK), near) : near;
  return { guest, pick, hostilePick, few: local ? (opts.localFew ?? 2) : opts.few };
}

/**
 * A target of a concentrated case: six in eight from `local.level` up by `span`, one in eight 0
 * (with `zero`), one in eight anywhere up to `max`, so the balloon swings up and down over the same
 * few pages and still now and then empties or fills; without locality anywhere from 0 to `max`.
 */
export function swingArb(local: FamilyLocality<string> | null, opts: { span: number; max: number; zero: boolean }): fc.Arbitrary<number> {
  const anywhere = fc.integer({ min: 0, max: opts.max });
  if (!local) return anywhere;
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: local.level, max: local.level + opts.span }) },
    ...(opts.zero ? [{ weight: 1, arbitrary: fc.constant(0) }] : []),
    { weight: 1, arbitrary: anywhere },
  );
}

/** The commands a reuse burst is made of: every family's guest programs have these shapes. */
export type ReuseCommand =
  | { kind: 'alloc'; guest: GuestId; pages: number; pick: number }
  | { kind: 'free'; guest: GuestId; pages: number; pick: number }
  | { kind: 'write'; guest: GuestId; pick: number };

/**
 * A command of a drawn sequence that is there 15 times in 16 (the list of it, or none); the keep
 * shrinks to a drop on its own, so a counterexample keeps only the commands of a sequence it needs.
 */
export const keptArb = <T>(x: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.tuple(x, fc.nat({ max: 15 })).map(([v, k]) => (k === 0 ? [] : [v]));

/**
 * A reuse burst (issue 22): the hot guest takes back the page given back last and works it at
 * once, as a guest does with the head of its LIFO free list: one allocation of one page at
 * LIFO_PICK (the page freed or deflated last, impl/guest-memory.ts), then one to three of a write
 * of it, a free of it, or the family's `hostile` request, all at LIFO_PICK, and a free of the page
 * in use last.
 * Dropped in a concentrated case's commands, it makes the chains of a page deflated or freed and
 * reused (deflate, write; free, write, free; deflate, free, hostile) common, where independent
 * picks make them once in thousands of cases. `lead`, when given, is what makes the family give
 * memory back (a lower target and the steps that carry it out): half the bursts start with it, so
 * the page reused is most often one just deflated. `also`, when given, is one more thing the
 * burst may do with the page among its writes and frees (a family's reboot: the steps that carry it
 * out), as likely as each of them; without it a burst draws exactly as before. `steps`: most
 * writes, frees and the like in a burst (3 unless a family asks for more).
 */
export function reuseBurstArb<C>(guest: GuestId, hostile: fc.Arbitrary<C> | null, lead: readonly C[] = [], also: fc.Arbitrary<C[]> | null = null, steps = 3): fc.Arbitrary<(ReuseCommand | C)[]> {
  const alloc: ReuseCommand = { kind: 'alloc', guest, pages: 1, pick: LIFO_PICK };
  const then: fc.Arbitrary<ReuseCommand | C>[] = [
    fc.constant<ReuseCommand>({ kind: 'write', guest, pick: LIFO_PICK }),
    fc.constant<ReuseCommand>({ kind: 'free', guest, pages: 1, pick: LIFO_PICK }),
    ...(hostile ? [hostile] : []),
  ];
  // ... and ends with a free of the last page in use: a burst leaves the guest's memory as it was
  // (a counterexample that needs memory used is then not made of one-page allocations it cannot merge).
  const last: ReuseCommand = { kind: 'free', guest, pages: 1, pick: LIFO_PICK };
  // Each command of a burst is kept 15 times in 16 (keptArb): a counterexample keeps only the
  // commands of a burst it needs, as with commands drawn one by one.
  const kept = keptArb;
  const step = kept(fc.oneof(...then));
  return fc.tuple(
    lead.length > 0 ? fc.boolean() : fc.constant(false),
    fc.tuple(...lead.map((c) => kept(fc.constant(c)))),
    kept(fc.constant(alloc)),
    fc.array(also ? fc.oneof({ weight: then.length, arbitrary: step }, { weight: 1, arbitrary: kept(also).map((x) => x.flat()) }) : step, { minLength: 1, maxLength: steps }),
    kept(fc.constant(last)),
  ).map(([led, leading, first, rest, end]) => [...(led ? leading.flat() : []), ...first, ...rest.flat(), ...end]);
}

/**
 * The command list of a case: `one` command at a time, and in a concentrated case (`burst` given)
 * a reuse burst one time in six (`burstWeight` in 5 + `burstWeight`: a family may draw it per
 * case); at most `maxCommands` in all.
 */
export function commandListArb<C>(one: fc.Arbitrary<C>, burst: fc.Arbitrary<C[]> | null, maxCommands: number, burstWeight = 1): fc.Arbitrary<C[]> {
  if (!burst) return fc.array(one, { maxLength: maxCommands, size: 'medium' });
  return fc.array(fc.oneof({ weight: 5, arbitrary: one.map((c) => [c]) }, { weight: burstWeight, arbitrary: burst }), { maxLength: maxCommands, size: 'medium' })
    .map((xs) => xs.flat().slice(0, maxCommands));
}

/**
 * Hostile requests that name gpfns of the guest's own space, held or in its hole (which may share a
 * host page with RAM): where a hostile request hurts (two in three of a concentrated case's).
 */
const LOCAL_HOSTILE = hostileKinds.filter((k) => k !== 'out-of-range' && k !== 'foreign');

/** A concentrated case's hostile pick: LIFO_PICK, the slot freed last, becomes the page given back last. */
const aimed = (pick: number): number => (pick === LIFO_PICK ? AIM_PICK : pick);

/** One command for the configuration, from the enabled kinds (concentrated as `local` says, uniform without it). */
export function commandArb(config: SystemConfig, kinds: readonly CommandKind[], local: Locality | null = null): fc.Arbitrary<Command> {
  const uniformGuest = fc.integer({ min: 0, max: config.guests.length - 1 }).map(guestId);
  const g = local
    ? fc.oneof({ weight: 4, arbitrary: fc.constant(guestId(local.guest % config.guests.length)) }, { weight: 1, arbitrary: uniformGuest })
    : uniformGuest;
  const pick = local ? fc.constantFrom(...local.picks) : fc.nat({ max: 1 << 16 });
  const few = (max: number) => fc.integer({ min: 1, max: local ? Math.min(2, max) : max });
  const maxRam = Math.max(...config.guests.map((x) => x.ramPages));
  const maxPages = Math.max(...config.guests.map((x) => x.ramPages / x.guestPageGpfns));
  // The reporting queue is served only in a case that reports (the swarm enabled `report`).
  const reporting: QueueName[] = kinds.includes('report') ? ['reporting'] : [];
  const arbs: Record<CommandKind, fc.Arbitrary<Command>> = {
    'driver': g.map((guest) => ({ kind: 'driver', guest })),
    // A concentrated case serves only the balloon's queues: its driver waits for each ack before it turns.
    'device': fc.record({ guest: g, queue: local ? fc.constantFrom<QueueName>('inflate', 'deflate', ...reporting) : fc.constantFrom<QueueName>('inflate', 'deflate', 'inflate', 'deflate', 'stats', ...reporting) }).map((r) => ({ kind: 'device', ...r })),
    // Targets anywhere from empty to past the guest's memory (clamped), unaligned ones included,
    // and now and then a negative one, which the device must refuse (device/bad-target).
    // A concentrated case keeps most targets within half its memory, below what its floor
    // allows, so every new target moves the balloon (up or down) over the same few host pages.
    'set-target': fc.record({
      guest: g,
      pages: fc.oneof(
        { weight: local ? 11 : 15, arbitrary: fc.integer({ min: 0, max: local ? Math.ceil(maxRam / 2) : maxRam + 8 }) },
        // ... and now and then one as big as ever, so memory still runs out (OOM deflate).
        ...(local ? [{ weight: 4, arbitrary: fc.integer({ min: 0, max: maxRam + 8 }) }] : []),
        { weight: 1, arbitrary: fc.integer({ min: -8, max: -1 }) },
      ),
    }).map((r) => ({ kind: 'set-target', ...r })),
    'alloc': fc.record({ guest: g, pages: few(Math.max(1, Math.ceil(maxPages / 3))), pick }).map((r) => ({ kind: 'alloc', ...r })),
    'free': fc.record({ guest: g, pages: few(Math.max(1, Math.ceil(maxPages / 3))), pick }).map((r) => ({ kind: 'free', ...r })),
    'write': fc.record({ guest: g, pick }).map((r) => ({ kind: 'write', ...r })),
    'read': fc.record({ guest: g, pick }).map((r) => ({ kind: 'read', ...r })),
    // A reset reloads with the configuration's features; which resets negotiate a smaller offer
    // or have their FEATURES_OK refused is drawn after the case's commands (negotiationArb).
    'reset': g.map((guest) => ({ kind: 'reset', guest })),
    'report': fc.record({ guest: g, pages: few(Math.max(1, Math.ceil(maxPages / 3))), pick }).map((r) => ({ kind: 'report', ...r })),
    'hint': fc.constant({ kind: 'hint', guest: guestId(0), op: { kind: 'hint-request' } }),
    // A concentrated case aims the hostile requests its pool gives LIFO_PICK at the page given
    // back last (AIM_PICK): taken from the pick rather than drawn, so every case keeps its draws.
    'hostile': fc.record({ guest: g, request: local ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...LOCAL_HOSTILE) }, { weight: 1, arbitrary: fc.constantFrom(...hostileKinds) }) : fc.constantFrom(...hostileKinds), pick: local ? pick.map(aimed) : pick }).map((r) => ({ kind: 'hostile', ...r })),
  };
  // A concentrated case moves its balloon often: targets twice as common.
  return fc.oneof(...kinds.map((k) => ({ weight: local && k === 'set-target' ? 2 * WEIGHT[k] : WEIGHT[k], arbitrary: arbs[k] })));
}

/**
 * The kinds of a concentrated case: the swarm's, its own extra ones, and always targets and
 * allocations: without targets its balloon never moves, without allocations the guest has no page
 * to write or free.
 */
const withBase = (optional: readonly CommandKind[], local: Locality): CommandKind[] =>
  [...new Set<CommandKind>([...optional, 'set-target', 'alloc', ...local.kinds])];

/**
 * Free page reporting is a feature a guest negotiates (VIRTIO 1.2 5.5.3 bit 5): a case whose swarm
 * enables `report` gives it to every guest, and PAGE_POISON (bit 4) to the guests `poison` marks
 * (bit i for guest i), so poisoned and plain reports meet in one run. A case without `report`
 * keeps the features it drew.
 */
function withReporting(config: SystemConfig, report: boolean, poison: number): SystemConfig {
  if (!report) return config;
  return { ...config, guests: config.guests.map((g, i) => ({ ...g, features: { ...g.features, pageReporting: true, pagePoison: ((poison >> i) & 1) === 1 } })) };
}

/** A whole case: configuration, a swarm of enabled kinds, and the commands. */
export function caseArb(opts: WorkloadOptions = {}): fc.Arbitrary<Case> {
  const maxLength = opts.maxCommands ?? DEFAULT_MAX_COMMANDS;
  return fc
    .record({ optional: fc.subarray([...OPTIONAL], { minLength: 1 }), local: localityArb, poison: fc.nat({ max: 7 }) })
    .chain(({ optional, local, poison }) => (opts.config ? fc.constant(opts.config) : local ? compactConfigArb : denseConfigArb).map((config) => ({
      config: opts.config ? config : withReporting(config, (local ? withBase(optional, local) : optional).includes('report'), poison), optional, local,
    })))
    // size 'max': lengths range over the whole of 0..maxLength. fast-check's named sizes cap the
    // generated length whatever maxLength says ('medium' at 100), so --max-commands 1000 and
    // 100000 used to give the very same cases; up to 100 (the default 80) 'max' and 'medium'
    // generate the same lengths, so the default campaign is unchanged, byte for byte.
    // A uniform case is laid out as a real machine now and then, drawn after its commands (properties/layout.ts).
    .chain(({ config, optional, local }) => {
      const kinds: CommandKind[] = ['driver', 'device', ...(local ? withBase(optional, local) : optional)];
      return fc.tuple(
        fc.array(commandArb(config, kinds, local), { maxLength, size: 'max' }),
        opts.config || local ? fc.constant(config) : layoutsArb(config, VIRTIO_WIRE),
      ).map(([commands, laid]) => ({ config: laid, commands, local, kinds }));
    })
    // Free page hinting in one case of two, drawn after the commands, so the cases without it stay as they were.
    // Feature negotiation at the resets after it: every case keeps the commands it drew before.
    // The report order of the reporting guests next; a fixed configuration keeps its own (./virtio/report-order.ts).
    // Target swings in a concentrated case last (swingsArb): they add commands and shift no draw.
    .chain(({ config, commands, local, kinds }) => hintingArb({ config, commands }, maxLength, opts.config !== undefined)
      .chain(negotiationArb)
      .chain((c) => reportOrderArb(c, opts.config !== undefined))
      .chain((c) => swingsArb(c, local, kinds, maxLength)));
}

/**
 * What a swing does between two of its target moves, on the page given back last: a hostile
 * request aimed at it (AIM_PICK), the guest taking it back and writing it or freeing it (one page
 * at LIFO_PICK: the page freed or deflated last, impl/guest-memory.ts), a reporting round of it
 * (written, freed, reported, the report served and acknowledged, allocated again: VIRTIO 1.2
 * 5.5.6.7, the round statements 59 and 60 speak of), or a reset.
 */
type Poke = 'hostile' | 'write' | 'free' | 'report' | 'reset';

/**
 * One swing: a rise to `high` guest pages, then cuts of `down` guest pages each, a poke (or none)
 * after each move; every target of it `rem` gpfns past the guest page (0 on 4 KiB guest pages).
 */
interface Swing { high: number; rem: number; first: Poke | null; cuts: readonly { down: number; poke: Poke | null }[] }

/**
 * A swing's commands for `guest`: each target move is carried out by a driver pass (one buffer,
 * the device's use of it, the driver's taking of the acknowledgement; a rise may take two
 * buffers), so a swing deflates in one buffer per cut the pages it just inflated, the balloon's
 * last first (Linux leak_balloon, balloon_page_dequeue).
 */
function swingCommands(guest: GuestId, gpp: number, s: Swing, request: (k: number) => Command): Command[] {
  const pass = (queue: QueueName): Command[] => [{ kind: 'driver', guest }, { kind: 'device', guest, queue }, { kind: 'driver', guest }];
  const poke = (p: Poke | null, k: number): Command[] => {
    switch (p) {
      case 'hostile': return [request(k)];
      case 'write': return [{ kind: 'alloc', guest, pages: 1, pick: LIFO_PICK }, { kind: 'write', guest, pick: LIFO_PICK }];
      case 'free': return [{ kind: 'alloc', guest, pages: 1, pick: LIFO_PICK }, { kind: 'free', guest, pages: 1, pick: LIFO_PICK }];
      // A reporting round of the page: used, freed, reported, its report served and taken back, and reused.
      case 'report': return [
        { kind: 'alloc', guest, pages: 1, pick: LIFO_PICK }, { kind: 'write', guest, pick: LIFO_PICK }, { kind: 'free', guest, pages: 1, pick: LIFO_PICK },
        { kind: 'report', guest, pages: 1, pick: LIFO_PICK }, { kind: 'device', guest, queue: 'reporting' }, { kind: 'driver', guest },
        { kind: 'alloc', guest, pages: 1, pick: LIFO_PICK },
      ];
      case 'reset': return [{ kind: 'reset', guest }];
      default: return [];
    }
  };
  // The rise starts from wherever the case left the balloon: one pass of each queue, twice.
  const rise: Command[] = [{ kind: 'driver', guest }, { kind: 'device', guest, queue: 'inflate' }, { kind: 'device', guest, queue: 'deflate' }, { kind: 'driver', guest }];
  const out: Command[] = [{ kind: 'set-target', guest, pages: s.high * gpp + s.rem }, ...rise, ...rise, ...poke(s.first, 0)];
  let level = s.high;
  s.cuts.forEach((c, i) => {
    level = Math.max(0, level - c.down);
    out.push({ kind: 'set-target', guest, pages: level * gpp + s.rem }, ...pass('deflate'), ...poke(c.poke, i + 1));
  });
  return out;
}

/**
 * Target swings, a swarm dimension of a concentrated case (issue 22): one concentrated case in two
 * gets one to three swings of its hot guest put among its commands, each a rise of the target
 * and one to three cuts, so the driver deflates, a few pages a buffer, the pages it just inflated
 * on the same host pages, with the guest's writes, frees and reports of the page given back,
 * hostile requests aimed at it (AIM_PICK) and resets between the cuts (those the swarm enabled). The
 * driver deflates in about one case of seven otherwise (a deflate needs a target below the
 * balloon after one above it, each carried out by driver and device steps in turn), so chains
 * of two deflates on one host page and an event after them were below 0.1% of the cases
 * (bench/REACH.md). Drawn after everything else and put in at drawn places within the room the
 * case leaves (at most `maxCommands` in all), so every case keeps the commands it drew and one
 * without swings is unchanged.
 */
export function swingsArb(c: Case, local: Locality | null, kinds: readonly CommandKind[], maxCommands: number): fc.Arbitrary<Case> {
  const room = maxCommands - c.commands.length;
  if (!local || room <= 0) return fc.constant(c);
  const guest = guestId(local.guest % c.config.guests.length);
  const gc = c.config.guests[guest];
  const gpp = gc.guestPageGpfns;
  // In guest pages: rises up to the guest's memory (the driver stops at its floor: invariant 10, so
  // a rise past it puts the floor to the test), cuts of up to half of what it can spare (RAM less its floor).
  const top = Math.max(1, Math.floor((gc.ramPages - gc.floorPages) / gpp));
  // A reporting round reports the one page given back only at report order 0: at order k > 0 the
  // driver reports only whole free aligned blocks of 2^k pages (./virtio/report-order.ts), and the
  // block of the page given back holds the balloon's other pages, so the round would report and
  // reuse another block. A guest with an order gets no reporting round.
  const pokes: Poke[] = (['hostile', 'write', 'free', 'report', 'reset'] as const).filter((k) => kinds.includes(k) && (k !== 'report' || reportOrderOf(gc) === 0));
  const poke: fc.Arbitrary<Poke | null> = pokes.length > 0
    ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 2, arbitrary: fc.constantFrom(...pokes) })
    : fc.constant(null);
  // The host sets its target in 4 KiB pages whatever the guest's page size (QEMU num_pages,
  // VIRTIO_BALLOON_PFN_SHIFT), so on 64 KiB guest pages one swing in two aims past a page boundary
  // (Linux towards_target rounds it up to a whole guest page: "virtio-balloon: Fix endless deflation
  // and inflation on arm64", 2023). Aligned swings alone took the unaligned targets out of the cases
  // that had them (issue 22: virtio/unaligned-target's median runs to detection rose). No draw on 4 KiB guest pages.
  const rem = gpp > 1 ? fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: gpp - 1 }) }) : fc.constant(0);
  const swing: fc.Arbitrary<Swing> = fc.record({
    high: fc.integer({ min: 1, max: Math.max(1, Math.floor(gc.ramPages / gpp)) }),
    rem,
    first: poke,
    cuts: fc.array(fc.record({ down: fc.integer({ min: 1, max: Math.max(1, Math.ceil(top / 2)) }), poke }), { minLength: 1, maxLength: 3 }),
  });
  // A hostile request of a swing: aimed, two in three of the kinds that name the guest's own gpfns.
  const requests = fc.array(fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...LOCAL_HOSTILE) }, { weight: 1, arbitrary: fc.constantFrom(...hostileKinds) }), { minLength: 4, maxLength: 4 });
  const swings = fc.array(fc.tuple(fc.nat({ max: c.commands.length }), swing, requests), { minLength: 1, maxLength: 3 });
  return fc.oneof(fc.constant(null), swings).map((drawn) => {
    if (!drawn) return c;
    const at = new Map<number, Command[]>();
    let left = room;
    for (const [pos, s, reqs] of drawn) {
      const cmds = swingCommands(guest, gpp, s, (k) => ({ kind: 'hostile', guest, request: reqs[k], pick: AIM_PICK }));
      if (cmds.length > left) break;
      left -= cmds.length;
      at.set(pos, [...(at.get(pos) ?? []), ...cmds]);
    }
    if (at.size === 0) return c;
    const commands: Command[] = [];
    for (let i = 0; i <= c.commands.length; i++) {
      commands.push(...(at.get(i) ?? []));
      if (i < c.commands.length) commands.push(c.commands[i]);
    }
    return { ...c, commands };
  });
}

/**
 * fast-check's oneof shrinks a value only within the branch that drew it: a `refuse` drawn from
 * constant(true) stays true, a mask drawn from 1..31 shrinks to 1 (MUST_TELL_HOST withheld),
 * never to 0. With cross-shrink its first candidate is the first branch's value (here always the
 * plain one): a negotiating reset the failure does not need shrinks to a plain reset. Generation
 * is unchanged (fast-check only clones the random source to draw that candidate later), so every
 * case, and every run to detection, stays as it was.
 */
const PLAIN_FIRST = { withCrossShrink: true } as const;

/**
 * What one reset of a negotiating case negotiates: one in two withholds a drawn subset of the
 * features (of those the guest was offered: the device offers the configuration's features less
 * these), and one in four has the device refuse the driver's first FEATURES_OK
 * (core/virtio/negotiation.ts); the rest reload with the configuration's features. Each part
 * shrinks to the plain reset's (PLAIN_FIRST).
 */
const NEGOTIATION = fc.record({
  mask: fc.oneof(PLAIN_FIRST, { weight: 1, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: (1 << FEATURE_NAMES.length) - 1 }) }),
  refuse: fc.oneof(PLAIN_FIRST, { weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

/**
 * Feature negotiation at a case's resets (issue 22), a swarm dimension: one case in two
 * negotiates, and in it each reset draws what it negotiates (NEGOTIATION); the other reloads with
 * the configuration's features at every reset, a full-power balloon case. Drawn last, one draw per
 * reset, rather than with each reset among the commands, so that a reset's draws do not shift the
 * commands after it: drawn there, one in eight withholding and one in eight refusing at every
 * reset of every case, they moved 11 balloon faults' median runs to detection up (bench/ZOO.md,
 * e.g. pfn-sign-extended 18.5 to 28, oom-deadlock 17.5 to 20). Each draw shrinks on its own to a
 * plain reset.
 */
export function negotiationArb(c: Case): fc.Arbitrary<Case> {
  const resets = c.commands.filter((x) => x.kind === 'reset').length;
  if (resets === 0) return fc.constant(c);
  const plain = Array.from({ length: resets }, () => ({ mask: 0, refuse: false }));
  return fc.oneof(PLAIN_FIRST, fc.constant(plain), fc.array(NEGOTIATION, { minLength: resets, maxLength: resets })).map((draws) => {
    let i = 0;
    const commands = c.commands.map((x): Command => {
      if (x.kind !== 'reset') return x;
      const { mask, refuse } = draws[i++];
      const f = c.config.guests[x.guest]?.features;
      const withhold = f ? FEATURE_NAMES.filter((n, b) => ((mask >> b) & 1) === 1 && f[n] === true) : [];
      return { ...x, ...(withhold.length > 0 ? { withhold } : {}), ...(refuse ? { refuse } : {}) };
    });
    return { ...c, commands };
  });
}
