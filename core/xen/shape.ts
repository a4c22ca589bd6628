/**
 * The shape of a Xen observation (core/xen/observation.ts) and step result (core/xen/effects.ts)
 * as zod schemas, the one definition, and the checks adapters/ runs on every step of a user's Xen
 * module: one line per problem, naming the field (`guests[0].xen.pod: expected Uint8Array of
 * length 64, got Array of length 64`). Per-gpfn arrays are checked for type and length, never
 * entry by entry; the properties judge their contents.
 *
 * @example
 *   xenObservationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import { gpfnSpace } from '../world.ts';
import { MAX_EFFECTS_PER_STEP, Problems, schemaProblems, type ShapeWords } from '../shape.ts';
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

/** A typed array of exactly `length` entries (an Int32Array is not a plain array of numbers). */
const typed = <T extends typeof Int32Array | typeof Uint8Array>(type: T, length: number) =>
  z.instanceof(type).refine((a) => a.length === length, `expected ${type.name} of length ${length}`);

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

function guestSchema(g: XenGuestConfig) {
  const space = gpfnSpace(g);
  return z.object({
    target: whole(),
    actual: whole(),
    p2m: typed(Int32Array, space),
    dmaView: z.null(),
    pageState: typed(Uint8Array, space),
    hostBallooned: typed(Uint8Array, space),
    counts: z.object({ free: whole(), used: whole(), inflating: whole(), ballooned: whole(), deflating: whole() }),
    xen: z.object({
      thread: z.object({ state: threadState, delay: whole(), retries: whole(), wakeAt: whole(), sleepCredit: whole(-MAX_U32, MAX_U32), inHypercall: z.boolean() }),
      currentPages: whole(), targetPages: whole(), balloonLow: whole(), balloonHigh: whole(), lent: whole(),
      podEntries: whole(), podCache: whole(),
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

/** The last built schema: a campaign checks thousands of steps of one configuration. */
let cached: { config: XenSystemConfig; schema: ReturnType<typeof xenObservationSchema> } | null = null;

/** Why `obs` is not an observation of a Xen system built from `config`; empty when it is one. */
export function xenObservationProblems(obs: unknown, config: XenSystemConfig): string[] {
  if (cached?.config !== config) cached = { config, schema: xenObservationSchema(config) };
  const p = new Problems();
  if (!p.object('observation', obs)) return p.list;
  const guests = (obs as { guests?: unknown }).guests;
  if (!Array.isArray(guests) || guests.length !== config.guests.length) {
    p.add('guests', `an Array of ${config.guests.length} guest observations`, guests);
    return p.list;
  }
  schemaProblems(cached.schema, obs, 'observation', p, WORDS);
  // 'observation.host.owner' reads better as 'host.owner', as virtio's messages do.
  return p.list.map((l) => l.replace(/^observation\./, ''));
}

/**
 * Why `r` is not a Xen step result; empty when it is one. With `config`, every guest, gpfn and
 * frame an effect names is checked against it too (a hypercall's gpfns may be anything a hostile
 * guest asks for, so only gpfns said to be mapped, released, allocated, freed, touched or lent).
 */
export function xenStepResultProblems(r: unknown, config?: XenSystemConfig): string[] {
  const p = new Problems();
  const parsed = schemaProblems(XenStepResultSchema, r, 'result', p, WORDS);
  if (!parsed || !config) return p.list;
  parsed.effects.forEach((e, i) => {
    if (p.full) return;
    const at = `result.effects[${i}]`;
    const g = config.guests[e.guest];
    if (!g) { p.add(`${at}.guest`, `a guest index below ${config.guests.length}`, e.guest); return; }
    const space = gpfnSpace(g);
    const one = (where: string, n: number) => { if (n >= space) p.add(`${at}.${where}`, `a gpfn below ${space} (guest ${e.guest}'s space)`, n); };
    switch (e.kind) {
      case 'frame-mapped': case 'frame-released':
        one('gpfn', e.gpfn);
        if (e.frame >= config.hostFrames) p.add(`${at}.frame`, `a frame below ${config.hostFrames}`, e.frame);
        break;
      case 'wrote': case 'read': one('gpfn', e.gpfn); break;
      case 'pages-allocated': case 'pages-freed': case 'lent': case 'unlent': {
        const k = e.gpfns.findIndex((n) => n >= space);
        if (k >= 0) one(`gpfns[${k}]`, e.gpfns[k]);
        break;
      }
      default: break;
    }
  });
  return p.list;
}
