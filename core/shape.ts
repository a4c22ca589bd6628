/**
 * Checking the shape of what a foreign implementation answers, for every family: a list of
 * one-line problems, each naming the field (`guests[0].p2m: expected Int32Array of length 64, got
 * Array of length 64`). A family's own shape (core/<family>/…-shape.ts) is built from these
 * pieces; adapters/ runs it on every step of a user's module (docs/ADAPTERS.md).
 */
import type { z } from 'zod';
import { gpfnArrayKind } from './paged.ts';
import { gpfnSpace, type WorldGuestConfig } from './world.ts';

/** Stop after this many problems: the first few say what is wrong; the rest are noise. */
const MAX_PROBLEMS = 8;

/**
 * The most effects one step may report. The largest step of a reference implementation
 * processes one batch of at most 4096 gpfns (virtio maxBatch, Xen batchGpfns), each of which may
 * map or release a frame and be listed as accepted or refused: about 3 × 4096 effects. 65,536
 * leaves five times that; a step reporting more is a flood (a loop that never ends its list).
 */
export const MAX_EFFECTS_PER_STEP = 65_536;

/** A short description of a value's type, for "expected X, got Y". */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as ArrayLike<unknown>).length}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return typeof v === 'undefined' ? 'nothing (undefined)' : `a ${typeof v}`;
}

type Typed = typeof Int32Array | typeof Uint8Array;

/** Problems found so far, at most MAX_PROBLEMS. */
export class Problems {
  readonly list: string[] = [];
  get full(): boolean { return this.list.length >= MAX_PROBLEMS; }
  add(at: string, expected: string, got: unknown): void {
    if (!this.full) this.list.push(`${at}: expected ${expected}, got ${describeValue(got)}`);
  }
  object(at: string, v: unknown): v is Record<string, unknown> {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return true;
    this.add(at, 'an object', v);
    return false;
  }
  whole(at: string, v: unknown, exactly?: number): void {
    if (exactly !== undefined && v !== exactly) this.add(at, `the number ${exactly}`, v);
    // Safe integers only, as zod's int(): a count past 2^53 is not a count.
    else if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.add(at, 'a whole number', v);
  }
  /** A typed array of `type`, or a paged map of its kind (core/paged.ts), of `length` entries. */
  typed(at: string, v: unknown, type: Typed, length: number): void {
    if (gpfnArrayKind(v) !== type.name || (v as { length: number }).length !== length) this.add(at, `${type.name} of length ${length}`, v);
  }
}

/** What the world part of a result is checked against: the host's frames and each guest's configuration. */
export interface ShapeConfig<G extends WorldGuestConfig = WorldGuestConfig> {
  hostFrames: number;
  reservedFrames: number;
  guests: readonly G[];
}

/**
 * The part of an observation every family shares (core/world.ts WorldObservation): the host's
 * frame table, one object per configured guest, and each guest's target and actual. `guest` then
 * checks the rest of that guest (`views` for its gpfn-indexed arrays). Returns the observation, or
 * null when it is no object or its guests are not one per configured guest (nothing more to walk).
 */
export function worldObservationProblems<G extends WorldGuestConfig>(
  p: Problems, obs: unknown, config: ShapeConfig<G>,
  guest: (g: Record<string, unknown>, at: string, cfg: G, space: number) => void,
): Record<string, unknown> | null {
  if (!p.object('observation', obs)) return null;
  if (p.object('host', obs.host)) {
    const h = obs.host;
    p.whole('host.totalFrames', h.totalFrames, config.hostFrames);
    p.whole('host.reservedFrames', h.reservedFrames, config.reservedFrames);
    p.whole('host.freeFrames', h.freeFrames);
    p.typed('host.owner', h.owner, Int32Array, config.hostFrames);
    p.typed('host.ownerGpfn', h.ownerGpfn, Int32Array, config.hostFrames);
  }
  if (!Array.isArray(obs.guests) || obs.guests.length !== config.guests.length) {
    p.add('guests', `an Array of ${config.guests.length} guest observations`, obs.guests);
    return null;
  }
  config.guests.forEach((cfg, i) => {
    const at = `guests[${i}]`;
    const g: unknown = (obs.guests as unknown[])[i];
    if (p.full || !p.object(at, g)) return;
    p.whole(`${at}.target`, g.target);
    p.whole(`${at}.actual`, g.actual);
    guest(g, at, cfg, gpfnSpace(cfg));
  });
  return obs;
}

/**
 * A guest's gpfn-indexed views (core/world.ts WorldGuestObservation): the p2m, the DMA view (an
 * Int32Array with an assigned device; else null, `noDma` saying why), page states and what the
 * host holds as ballooned.
 */
export function views(p: Problems, at: string, g: Record<string, unknown>, space: number, noDma: string | null): void {
  p.typed(`${at}.p2m`, g.p2m, Int32Array, space);
  if (noDma === null) p.typed(`${at}.dmaView`, g.dmaView, Int32Array, space);
  else if (g.dmaView !== null) p.add(`${at}.dmaView`, `null (${noDma})`, g.dmaView);
  p.typed(`${at}.pageState`, g.pageState, Uint8Array, space);
  p.typed(`${at}.hostBallooned`, g.hostBallooned, Uint8Array, space);
}

/**
 * Guests, gpfns and frames a parsed step result names that the configuration does not have: the
 * world effects' (core/world.ts WorldEffect) frame and gpfn, and the gpfn list each kind in
 * `lists` carries (kind → field). Only gpfns said to be mapped, released, touched or listed there
 * must lie in the guest's space: a gpfn a request only carries may be anything a hostile guest sent.
 */
export function effectsInRange(p: Problems, effects: readonly { kind: string; guest: number }[], config: ShapeConfig, lists: Readonly<Record<string, string>>): void {
  effects.forEach((e, i) => {
    if (p.full) return;
    const at = `result.effects[${i}]`;
    const cfg = config.guests[e.guest];
    if (!cfg) { p.add(`${at}.guest`, `a guest index below ${config.guests.length}`, e.guest); return; }
    const space = gpfnSpace(cfg);
    // The schema has parsed the effect: these fields are there, of these types.
    const num = (field: string) => (e as unknown as Record<string, number>)[field];
    const one = (where: string, n: number) => { if (n >= space) p.add(`${at}.${where}`, `a gpfn below ${space} (guest ${e.guest}'s space)`, n); };
    if (e.kind === 'frame-mapped' || e.kind === 'frame-released') {
      one('gpfn', num('gpfn'));
      if (num('frame') >= config.hostFrames) p.add(`${at}.frame`, `a frame below ${config.hostFrames}`, num('frame'));
    } else if (e.kind === 'wrote' || e.kind === 'read') {
      one('gpfn', num('gpfn'));
    } else if (Object.hasOwn(lists, e.kind)) {
      const field = lists[e.kind];
      const ns = (e as unknown as Record<string, readonly number[]>)[field];
      const k = ns.findIndex((n) => n >= space);
      if (k >= 0) one(`${field}[${k}]`, ns[k]);
    }
  });
}

/** The words a family's messages use for what a zod issue expected. */
export interface ShapeWords {
  /** Where the family's effect kinds and error codes are defined, for "expected a known …". */
  effectsFile: string;
  errorsFile: string;
  /** The range of a numeric field, by its name, for "expected a whole number from …". */
  range(field: string | undefined): string;
}

/** What a zod issue expected, in the words the other messages use. */
export function expectation(issue: z.core.$ZodIssue, words: ShapeWords): string {
  const last = issue.path[issue.path.length - 1];
  switch (issue.code) {
    case 'invalid_union':
      return last === 'kind' ? `a known effect kind (${words.effectsFile})` : last === 'outcome' ? "'accepted' or 'refused'" : `one of the shapes ${words.effectsFile} describes`;
    case 'invalid_value':
      return last === 'code' ? `a known error code (${words.errorsFile})` : `one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_type':
      return issue.expected === 'int' || issue.expected === 'number' ? 'a whole number' : issue.expected === 'array' ? 'an Array' : `a ${issue.expected}`;
    case 'too_small': case 'too_big': {
      if (issue.origin === 'array') return issue.code === 'too_big' ? `at most ${String(issue.maximum)} entries` : 'more entries';
      return `a whole number from ${words.range(issue.path.filter((k) => typeof k === 'string').pop())}`;
    }
    default:
      return issue.message;
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  try {
    for (const k of path) v = (v as Record<PropertyKey, unknown>)[k];
  } catch {
    return undefined;
  }
  return v;
}

/**
 * Parse `value` with `schema`; on failure, add one problem per field (first issue of each path)
 * under `root` and return null; else the parsed data.
 */
export function schemaProblems<T>(schema: z.ZodType<T>, value: unknown, root: string, p: Problems, words: ShapeWords): T | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    p.add(root, 'an object', value);
    return null;
  }
  const seen = new Set<string>();
  for (const issue of parsed.error.issues) {
    const at = `${root}${issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('')}`;
    if (seen.has(at)) continue;
    seen.add(at);
    p.add(at, expectation(issue, words), valueAt(value, issue.path));
  }
  return null;
}
