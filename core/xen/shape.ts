/**
 * The shape of a Xen observation (core/xen/observation.ts) and step result (core/xen/effects.ts)
 * as zod schemas, the one definition, and the checks adapters/ runs on every step of a user's Xen
 * module (the step result by its schema, the observation by a faster walk of its schema): one line per problem, naming the field (`guests[0].xen.pod: expected Uint8Array of
 * length 64, got Array of length 64`). Per-gpfn arrays are checked for type and length, never
 * entry by entry; the properties judge their contents.
 *
 * @example
 *   xenObservationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import { gpfnArrayKind, type GpfnArray } from '../paged.ts';
import { gpfnSpace } from '../world.ts';
import { effectsInRange, MAX_EFFECTS_PER_STEP, Problems, schemaProblems, views, worldObservationProblems, type ShapeWords } from '../shape.ts';
import type { XenGuestConfig, XenSystemConfig } from './config.ts';
import { XEN_ERROR_CODES, type XenErrorCode } from './errors.ts';
import type { XenEffectKind } from './effects.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min = 0, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const u32 = whole(0, MAX_U32);
const guest = whole(0, 255);
const frame = whole(0, 2 ** 24);
const gpfns = z.array(u32).max(MAX_EFFECTS_PER_STEP);
const code = z.enum(Object.keys(XEN_ERROR_CODES) as [XenErrorCode, ...XenErrorCode[]]);
const threadState = z.enum(['done', 'wait', 'eagain', 'ecanceled']);
const integer = whole(-MAX_U32, MAX_U32);

/** A typed array of exactly `length` entries (not a plain array of numbers), or a paged map of that kind (core/paged.ts). */
const typed = <T extends typeof Int32Array | typeof Uint8Array>(type: T, length: number) =>
  z.custom<GpfnArray>((v) => gpfnArrayKind(v) === type.name, `expected ${type.name} of length ${length}`)
    .refine((a) => a.length === length, `expected ${type.name} of length ${length}`);

const effectSchemas = [
  z.object({ kind: z.literal('frame-mapped'), guest, gpfn: u32, frame }),
  z.object({ kind: z.literal('frame-released'), guest, gpfn: u32, frame }),
  z.object({ kind: z.literal('target-set'), guest, requested: whole(-MAX_U32, MAX_U32), target: u32 }),
  z.object({ kind: z.literal('actual-written'), guest, actual: u32 }),
  z.object({ kind: z.literal('pages-allocated'), guest, gpfns }),
  z.object({ kind: z.literal('pages-freed'), guest, gpfns }),
  z.object({ kind: z.literal('wrote'), guest, gpfn: u32, token: whole() }),
  z.object({ kind: z.literal('read'), guest, gpfn: u32, value: whole() }),
  z.object({ kind: z.literal('reset'), guest }),
  z.object({
    kind: z.literal('hypercall'), guest, op: z.enum(['decrease', 'populate']), origin: z.enum(['driver', 'hostile', 'lend']),
    order: whole(0, 63), gpfns, done: u32, refused: z.array(z.object({ gpfn: u32, code })).max(MAX_EFFECTS_PER_STEP), preempted: z.boolean(),
  }),
  z.object({
    kind: z.literal('balloon-pass'), guest, now: whole(), ran: z.boolean(), credit: whole(-MAX_U32, MAX_U32),
    before: threadState, after: threadState, delay: u32, retries: u32,
  }),
  z.object({ kind: z.literal('tick'), guest, now: whole() }),
  z.object({ kind: z.literal('lent'), guest, gpfns }),
  z.object({ kind: z.literal('unlent'), guest, gpfns }),
] as const;

export const XenEffectSchema = z.discriminatedUnion('kind', [...effectSchemas]);

// Every effect kind of core/xen has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof XenEffectSchema>['kind'];
const _sameKinds: [SchemaKinds, XenEffectKind] = ['' as XenEffectKind, '' as SchemaKinds];
void _sameKinds;

const effects = z.array(XenEffectSchema).max(MAX_EFFECTS_PER_STEP);
export const XenStepResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('accepted'), effects }),
  z.object({ outcome: z.literal('refused'), code, message: z.string().max(4096), effects }),
]);

const CountsSchema = z.object({ free: whole(), used: whole(), inflating: whole(), ballooned: whole(), deflating: whole() });
const ThreadSchema = z.object({ state: threadState, delay: whole(), retries: whole(), wakeAt: whole(), sleepCredit: integer, inHypercall: z.boolean() });
/** balloon_stats and the PoD counts: whole numbers. */
const StatsSchema = z.object({
  currentPages: whole(), targetPages: whole(), balloonLow: whole(), balloonHigh: whole(), lent: whole(), podEntries: whole(), podCache: whole(),
});

function guestSchema(g: XenGuestConfig) {
  const space = gpfnSpace(g);
  return z.object({
    target: whole(),
    actual: whole(),
    p2m: typed(Int32Array, space),
    dmaView: z.null(),
    pageState: typed(Uint8Array, space),
    hostBallooned: typed(Uint8Array, space),
    counts: CountsSchema,
    xen: z.object({
      thread: ThreadSchema,
      ...StatsSchema.shape,
      pod: typed(Uint8Array, space),
      guestP2m: g.mode === 'pv' ? typed(Int32Array, space) : z.null(),
    }),
  });
}

/** The schema of an observation of a Xen system built from `config`. */
export function xenObservationSchema(config: XenSystemConfig) {
  return z.object({
    host: z.object({
      totalFrames: z.literal(config.hostFrames),
      reservedFrames: z.literal(config.reservedFrames),
      freeFrames: whole(),
      owner: typed(Int32Array, config.hostFrames),
      ownerGpfn: typed(Int32Array, config.hostFrames),
    }),
    guests: z.tuple(config.guests.map(guestSchema) as [ReturnType<typeof guestSchema>, ...ReturnType<typeof guestSchema>[]]),
    xen: z.object({ now: whole() }),
  });
}

function numberRange(field: string | undefined): string {
  if (field === 'guest') return '0 to 255';
  if (field === 'frame') return `0 to ${2 ** 24}`;
  if (field === 'order') return '0 to 63';
  if (field === 'requested' || field === 'credit' || field === 'sleepCredit') return `-${MAX_U32} to ${MAX_U32}`;
  if (field === 'token' || field === 'value' || field === 'now') return `0 to ${Number.MAX_SAFE_INTEGER}`;
  return `0 to ${MAX_U32}`;
}

const WORDS: ShapeWords = { effectsFile: 'core/xen/effects.ts', errorsFile: 'core/xen/errors.ts', range: numberRange };

// The words of the walk are read from the schemas, never restated.
const COUNTS = CountsSchema.keyof().options;
const STATS = StatsSchema.keyof().options;
const THREAD_STATES: readonly string[] = threadState.options;

/**
 * Why `obs` is not an observation of a Xen system built from `config`; empty when it is one. A
 * hand-written walk of xenObservationSchema (the one definition), because it runs after every
 * step of a user's module: the schema costs about 30 µs a step on the default system, more than
 * a step of the example implementation with every property checked; a test holds the two to the
 * same verdict (test/core/xen-shape.test.ts). O(guests), never O(memory).
 */
export function xenObservationProblems(obs: unknown, config: XenSystemConfig): string[] {
  const p = new Problems();
  const o = worldObservationProblems(p, obs, config, (g, at, cfg, space) => {
    views(p, at, g, space, 'passthrough is not modelled for Xen');
    if (p.object(`${at}.counts`, g.counts)) for (const k of COUNTS) p.whole(`${at}.counts.${k}`, g.counts[k]);
    if (!p.object(`${at}.xen`, g.xen)) return;
    const x = g.xen;
    if (p.object(`${at}.xen.thread`, x.thread)) {
      const t = x.thread;
      if (!THREAD_STATES.includes(t.state as string)) p.add(`${at}.xen.thread.state`, `one of ${THREAD_STATES.join(', ')}`, t.state);
      p.whole(`${at}.xen.thread.delay`, t.delay);
      p.whole(`${at}.xen.thread.retries`, t.retries);
      p.whole(`${at}.xen.thread.wakeAt`, t.wakeAt);
      if (typeof t.sleepCredit !== 'number' || !Number.isInteger(t.sleepCredit) || Math.abs(t.sleepCredit) > MAX_U32) p.add(`${at}.xen.thread.sleepCredit`, 'a whole number, negative or not', t.sleepCredit);
      if (typeof t.inHypercall !== 'boolean') p.add(`${at}.xen.thread.inHypercall`, 'a boolean', t.inHypercall);
    }
    for (const k of STATS) p.whole(`${at}.xen.${k}`, x[k]);
    p.typed(`${at}.xen.pod`, x.pod, Uint8Array, space);
    if (cfg.mode === 'pv') p.typed(`${at}.xen.guestP2m`, x.guestP2m, Int32Array, space);
    else if (x.guestP2m !== null) p.add(`${at}.xen.guestP2m`, 'null (an HVM guest keeps no p2m of its own)', x.guestP2m);
  });
  if (o && !p.full && p.object('xen', o.xen)) p.whole('xen.now', o.xen.now);
  return p.list;
}

/**
 * Why `r` is not a Xen step result; empty when it is one. With `config`, every guest, gpfn and
 * frame an effect names is checked against it too (a hypercall's gpfns may be anything a hostile
 * guest asks for, so only gpfns said to be mapped, released, allocated, freed, touched or lent).
 */
export function xenStepResultProblems(r: unknown, config?: XenSystemConfig): string[] {
  const p = new Problems();
  const parsed = schemaProblems(XenStepResultSchema, r, 'result', p, WORDS);
  if (parsed && config) effectsInRange(p, parsed.effects, config, LISTS);
  return p.list;
}

/** The gpfn list each kind carries that must lie in the guest's space (a hypercall's need not). */
const LISTS = { 'pages-allocated': 'gpfns', 'pages-freed': 'gpfns', lent: 'gpfns', unlent: 'gpfns' } as const;
