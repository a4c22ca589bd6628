/**
 * Shrinking the world, not only the commands (issue 21, part 5). fast-check, the deletions of
 * properties/minimize.ts and the search of properties/shorten.ts all stay inside the configuration
 * the random workload drew (two guests of 64 pages, a host page of 16 gpfns, ...), and a failure
 * can need more commands there than in a small world: VMware's doorbell check fails after one
 * command at 1×2 with a host that answers BUSY right after START, but after four in a drawn world
 * whose host is BUSY one command later (bench/ZOO.md, shrink / BFS).
 *
 * This pass tries the family's small worlds (its explorer's tiny configuration, and each named
 * variant of it, at the sizes its `faultsAt` table uses) and searches each breadth-first with the
 * explorer (properties/exhaustive.ts, the failed property alone, up to the case's length): a case
 * found there is kept when it fails the same property first under the campaign's whole property
 * list (`stillFails`), and is shorter than the case, or as short and in a smaller world.
 *
 * Which variants: only those that keep what the failing world had. A variant's changes to the
 * tiny configuration (a host page of 4 gpfns, DEFLATE_ON_OOM on) are compared with the case's own
 * configuration, field by field: a feature (anything but a number) must be equal (DEFLATE_ON_OOM
 * on where a guest of the case has it), and at least half of the numbers must move the same way
 * from the tiny value (a host page bigger than one gpfn; 64 KiB guest pages scale RAM, floor and
 * batch up with them, and the case's hole may still be empty). A variant that changes no field
 * (it only adds commands, as a BUSY host) always qualifies. So a
 * failure that needs big host pages is looked for where host pages are big, and the search does
 * not spend its budget on worlds the failure never lived in.
 *
 * Generic: everything comes through the Family interface (explorer, profiles, configProblems).
 * Deterministic: candidates in a fixed order, BFS in the alphabet's order. Bounded: `maxStates`
 * distinct states per world and `totalStates` in all, and only where the system forks: an
 * implementation that cannot (an adapter without `fork`) keeps its world, since replaying every
 * edge from the start would turn seconds into minutes after every failure. A campaign whose
 * configuration the user fixed (`config`) keeps it; a profile the case is held to is kept in every
 * candidate world. The worlds the comparison leaves out are searched last, for one command alone
 * (a few dozen states each), when the case is still longer: the comparison reads fields, and a
 * world can have what a variant sets without its field (a guest laid out past 2^32 has no ppnBase).
 *
 * A world whose search over its whole alphabet stops at its bound before the case's length is
 * searched once more over the kinds of command the case uses (numbers aside), with a budget of its
 * own (`shapeStates`): a smaller alphabet reaches deeper for as many states, and a chain of the
 * case's own steps in another order is often what is shorter. What it finds is a shortest case
 * over those kinds only, kept on the same terms as any other.
 */
import type { AnyCommand, SystemUnderTest, WorldConfig } from '../core/index.ts';
import type { AnyFamily, FamilyCase } from './family.ts';
import type { AnyProperty } from './property.ts';
import { exploreImplementation } from './exhaustive.ts';
import { explorerSetup } from './explore-at.ts';

export interface ShrinkWorldOptions {
  family: AnyFamily;
  factory: (config: never) => SystemUnderTest;
  /** The property the case fails first (searched for alone in each small world). */
  property: AnyProperty;
  /** Whether a case fails that property first under the campaign's whole property list. */
  stillFails(c: FamilyCase): boolean;
  /**
   * A second search in a world, for when the explorer's shortest failure of the property alone
   * fails another property first (a case must fail the same property first to be kept): the
   * shortest case of at most `longest` commands that `stillFails`, or null (the campaign passes
   * properties/shorten.ts over the world's explorer alphabet, every candidate judged whole).
   */
  searchAlike?(world: SmallWorld, longest: number): AnyCommand[] | null;
  /** Distinct states one world's search may visit (default WORLD_MAX_STATES). */
  maxStates?: number;
  /** Distinct states all the worlds' searches together may visit (default WORLDS_MAX_STATES). */
  totalStates?: number;
  /** Distinct states the searches over the case's own kinds of command may visit (default SHAPES_MAX_STATES). */
  shapeStates?: number;
}

/** Distinct states one small world's search may visit. */
export const WORLD_MAX_STATES = 1_000;
/** Distinct states the searches of all small worlds together may visit. */
export const WORLDS_MAX_STATES = 2_500;
/**
 * Distinct states the searches over the case's own kinds of command may visit, in all (run in a
 * world only where its search over the whole alphabet was cut by its bound).
 */
export const SHAPES_MAX_STATES = 3_000;

/** A small world the case may move to: its configuration and the family as the explorer sees it there. */
export interface SmallWorld {
  /** `guests×pages` and the variant, as `balloon explore` names it. */
  name: string;
  config: WorldConfig;
  family: AnyFamily;
}

/**
 * The size of a world, compared in this order: guests, guest-physical pages (RAM and holes),
 * host frames. Smaller is plainer to read.
 */
export function worldSize(c: WorldConfig): [number, number, number] {
  return [c.guests.length, c.guests.reduce((n, g) => n + g.ramPages + g.holePages, 0), c.hostFrames];
}

function smaller(a: WorldConfig, b: WorldConfig): boolean {
  const x = worldSize(a), y = worldSize(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i];
  return false;
}

/**
 * What a command is, its numbers aside (guest, pages, pick): `{"kind":"hint","guest":0,"op":{"kind":"hint-stop"}}`
 * for every guest's hint-stop; a reset that withholds features is not a plain reset.
 */
const shapeOf = (c: unknown): string => JSON.stringify(c, (_k, v: unknown) => (typeof v === 'number' ? 0 : v));

/**
 * The family's small worlds that keep what `config` has (see the header), in the order they are
 * searched: first the variants whose own commands (the explorer's `extra` alphabet) the case
 * uses, given `commands` (a case of hinting steps is searched where hinting is, before the
 * reporting worlds its features also keep, smaller ones included: each world may spend the budget
 * the next one needed); then smallest first, and of one size the variants that change what the
 * case's world shares (a host page of 4 gpfns for a case with big host pages), then the plain tiny
 * configuration, then the variants that only add commands.
 *
 *   smallWorlds(virtio, caseWithHostPagesOf16.config).map((w) => w.name); // ['1×4', '1×4 host-page-4', '1×16 host-page-16']
 */
export function smallWorlds(family: AnyFamily, config: WorldConfig, commands: readonly AnyCommand[] = [], totalStates = WORLDS_MAX_STATES): SmallWorld[] {
  return candidateWorlds(family, config, commands, totalStates).filter((w) => w.shares).map(({ shares: _shares, ...w }) => w);
}

/**
 * The family's small worlds that `smallWorlds` leaves out: variants that change what the case's
 * world does not have (as far as its configuration's fields tell: a guest laid out above 4 GiB
 * has no `ppnBase`, a capability the host grants may be one the driver cannot use). shrinkWorld
 * searches them for one command alone.
 */
export function otherWorlds(family: AnyFamily, config: WorldConfig, commands: readonly AnyCommand[] = [], totalStates = WORLDS_MAX_STATES): SmallWorld[] {
  return candidateWorlds(family, config, commands, totalStates).filter((w) => !w.shares).map(({ shares: _shares, ...w }) => w);
}

/** Every small world of the family (smallWorlds' order), and whether it keeps what `config` has. */
function candidateWorlds(family: AnyFamily, config: WorldConfig, commands: readonly AnyCommand[], totalStates: number): (SmallWorld & { shares: boolean })[] {
  const ex = family.explorer;
  if (!ex) return [];
  const plain = (g: number, p: number) => ex.config(g, p) as WorldConfig;
  const sizes = new Map<string, { guests: number; pages: number; variant?: string }>();
  const add = (guests: number, pages: number, variant?: string) => { sizes.set(`${guests}×${pages}${variant ? ` ${variant}` : ''}`, { guests, pages, variant }); };
  add(ex.defaults.guests, ex.defaults.pages);
  // An entry whose search needs more states than all the worlds together may visit (the caller's
  // `totalStates`) names a world this pass cannot search to any use: its first states would spend
  // the budget of the worlds after it.
  for (const at of Object.values(ex.faultsAt ?? {})) if (!('notFound' in at) && (at.maxStates ?? 0) <= totalStates) add(at.guests, at.pages, at.variant);
  for (const v of Object.keys(ex.variants ?? {})) if (![...sizes.values()].some((s) => s.variant === v)) add(ex.defaults.guests, ex.defaults.pages, v);
  const profile = family.profiles ? family.profiles.of(config as never) : undefined;
  const used = new Set(commands.map(shapeOf));
  const out: (SmallWorld & { kept: boolean; uses: boolean; shares: boolean })[] = [];
  for (const [name, s] of sizes) {
    if (s.guests > config.guests.length) continue;
    const setup = explorerSetup(family, s.guests, s.pages, s.variant);
    const tiny = plain(s.guests, s.pages);
    const shares = !s.variant || keepsWhatTheCaseHas(tiny, setup.config, config);
    const held = family.profiles && profile !== undefined && profile !== family.profiles.default ? family.profiles.apply(setup.config as never, profile) as WorldConfig : setup.config;
    if (family.configProblems(held as never).length > 0) continue;
    // A variant that changes the configuration in a way the case's world shares comes before
    // the plain world of its size: the failure more likely lives there, and the budget is shared.
    const v = s.variant !== undefined ? ex.variants?.[s.variant] : undefined;
    const uses = v?.extra !== undefined && v.extra(setup.config).some((c) => used.has(shapeOf(c)));
    out.push({ name, config: held, family: setup.family, kept: s.variant !== undefined && JSON.stringify(tiny) !== JSON.stringify(setup.config), uses, shares });
  }
  // A stable sort: otherwise the order above (plain first, then faultsAt's order).
  return out
    .sort((a, b) => Number(b.uses) - Number(a.uses) || (smaller(a.config, b.config) ? -1 : smaller(b.config, a.config) ? 1 : Number(b.kept) - Number(a.kept)))
    .map(({ kept: _kept, uses: _uses, ...w }) => w);
}

/**
 * Whether the fields a variant changes in the tiny configuration agree with the case's own
 * configuration: every feature equal, at least half of the numbers moved the same way from the
 * tiny value (see the header); a guest's field agrees when any guest of the case agrees.
 */
export function keepsWhatTheCaseHas(tiny: WorldConfig, variant: WorldConfig, own: WorldConfig): boolean {
  const t = leaves(tiny), v = leaves(variant), o = leaves(own);
  let numbers = 0, numbersAgreeing = 0;
  for (const [path, value] of v) {
    const before = t.get(path)?.[0];
    const y = value[0];
    if (JSON.stringify(before) === JSON.stringify(y)) continue;
    const numeric = typeof y === 'number' && typeof before === 'number';
    const agrees = (o.get(path) ?? []).some((x) => (numeric && typeof x === 'number' ? Math.sign(x - before) === Math.sign(y - before) : JSON.stringify(x) === JSON.stringify(y)));
    if (!numeric && !agrees) return false;
    if (numeric) { numbers++; if (agrees) numbersAgreeing++; }
  }
  return numbersAgreeing * 2 >= numbers;
}

/** Primitive values by path; every guest's fields under one path `guests.*.…` (the values of all guests). */
function leaves(x: unknown): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const walk = (v: unknown, path: string) => {
    if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) v.forEach((e, i) => walk(e, path === 'guests' ? `${path}.*` : `${path}.${i}`));
      else for (const [k, e] of Object.entries(v)) walk(e, path ? `${path}.${k}` : k);
      return;
    }
    const list = out.get(path) ?? [];
    list.push(v);
    out.set(path, list);
  };
  walk(x, '');
  return out;
}

/**
 * The case moved to the smallest small world where a case at most as long fails alike (shorter
 * first, then smaller), or the case itself.
 *
 *   shrinkWorld(fourCommandsInTwoGuestsOf64, { family, factory, property, stillFails }); // one command at 1×2 busy-after-start
 */
export function shrinkWorld(c: FamilyCase, o: ShrinkWorldOptions): FamilyCase {
  let best = c;
  const total = o.totalStates ?? WORLDS_MAX_STATES;
  let budget = total;
  let shapeBudget = o.shapeStates ?? SHAPES_MAX_STATES;
  // The kinds of command the case uses, numbers aside (see `shapeOf`).
  const shapes = new Set(c.commands.map(shapeOf));
  const ownKinds = (x: AnyCommand) => shapes.has(shapeOf(x));
  /**
   * `w` searched up to `depth` commands (over the commands `only` keeps: the case's own kinds):
   * `best` replaced when a case there fails alike. Whether the search was cut by its bound.
   */
  const search = (w: SmallWorld, depth: number, only?: (x: AnyCommand) => boolean): boolean => {
    const maxStates = only ? shapeBudget : Math.min(o.maxStates ?? WORLD_MAX_STATES, budget);
    const r = exploreImplementation(w.family, o.factory as never, w.config, { depth, maxStates, properties: [o.property], forkOnly: true, ...(only ? { only } : {}) });
    if (only) shapeBudget -= r.states; else budget -= r.states;
    if (!r.failure || r.failure.failure.property !== o.property.name) return r.stoppedBy === 'state-limit';
    const candidate: FamilyCase = { config: w.config, commands: r.failure.commands as AnyCommand[] };
    if (o.stillFails(candidate)) { best = candidate; return false; }
    // The property fails there, but another fails first on that case: look on, as far as `depth`.
    const alike = o.searchAlike?.(w, depth);
    if (alike && alike.length <= depth && o.stillFails({ config: w.config, commands: alike })) best = { config: w.config, commands: alike };
    return false;
  };
  // Whether the case's own kinds leave out part of the world's alphabet (else the search would be the same).
  const fewerKinds = (w: SmallWorld) => {
    const all = w.family.explorer?.alphabet(w.config as never) ?? [];
    return (all as AnyCommand[]).filter(ownKinds).length < all.length;
  };
  // Only a shorter case, or one as short in a smaller world, would be kept.
  const depthIn = (w: SmallWorld) => (smaller(w.config, best.config) ? best.commands.length : best.commands.length - 1);
  for (const w of smallWorlds(o.family, c.config, c.commands, total)) {
    if (budget <= 0) break;
    if (depthIn(w) < 0) continue;
    const cut = search(w, depthIn(w));
    // Cut by its bound before the case's length: searched again over the case's own kinds of
    // command alone, which reaches deeper for as many states. virtio hint-release-uninit at seed
    // 19 shrank to 13 hinting steps in its drawn world; over the whole alphabet the 1×4 hinting
    // world needs tens of thousands of states for its 8, over the five kinds the case uses 1,560.
    if (cut && shapeBudget > 0 && depthIn(w) >= 0 && fewerKinds(w)) search(w, depthIn(w), ownKinds);
  }
  // Then every other small world, for one command alone (depth 1: the world's alphabet once, a few
  // dozen states each): the filter above reads the case's configuration field by field and can
  // leave out the world a failure lives in. vmware ppn-truncated at seed 8 drew a guest laid out
  // with page numbers past 2^32 (core/layout.ts: its ppnBase stays 0) whose host grants 2 MiB
  // pages, which the driver cannot use without batching, and stopped at two commands there (an
  // allocation, so that the balloon reaches those pages, and a target); the high-ppn world fails
  // in one (bench/ZOO.md, shrink / BFS: 2.00 at that seed before this pass).
  if (best.commands.length > 1) {
    for (const w of otherWorlds(o.family, c.config, c.commands, total)) {
      if (budget <= 0 || best.commands.length <= 1) break;
      search(w, 1);
    }
  }
  return best;
}
