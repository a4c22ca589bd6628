/**
 * The shape of the world part of an observation and of the world effects (core/world.ts) as zod
 * schemas, and a family shape built from schemas alone: a family whose observation is checked by
 * its schema (not by a faster hand-written walk, as virtio's and Xen's are) states its own part
 * and its own effects here and gets the checks adapters/ runs on every step of a user's module.
 *
 * @example
 *   const shape = schemaFamilyShape({ guestField: 'vmware', observationSchema, stepResultSchema, words });
 *   shape.observationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import { gpfnArrayKind, type GpfnArray } from './paged.ts';
import { gpfnSpace, type WorldConfig, type WorldGuestConfig } from './world.ts';
import { effectsInRange, MAX_EFFECTS_PER_STEP, Problems, schemaProblems, type ShapeWords } from './shape.ts';

export const MAX_U32 = 2 ** 32 - 1;
/** A whole number from `min` to `max` (safe integers only: a count past 2^53 is not a count). */
export const whole = (min = 0, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
export const u32 = whole(0, MAX_U32);
export const guestIndex = whole(0, 255);
/** Frames are Int32Array indices; 2^24 is the largest host the configuration allows. */
export const frameNumber = whole(0, 2 ** 24);
export const gpfnList = z.array(u32).max(MAX_EFFECTS_PER_STEP);

/**
 * A typed array of exactly `length` entries (an Int32Array is not a plain array of numbers), or a
 * paged map of that kind (core/paged.ts). The
 * message is what `Problems.add` prints after "expected".
 */
export const typedArray = (type: typeof Int32Array | typeof Uint8Array, length: number) =>
  z.custom<GpfnArray>((v) => gpfnArrayKind(v) === type.name && (v as GpfnArray).length === length, { message: `${type.name} of length ${length}` });

/** The world effects, by kind (core/world.ts WorldEffect), for a family's discriminated union. */
export const worldEffectSchemas = {
  'frame-mapped': z.object({ kind: z.literal('frame-mapped'), guest: guestIndex, gpfn: u32, frame: frameNumber }),
  'frame-released': z.object({ kind: z.literal('frame-released'), guest: guestIndex, gpfn: u32, frame: frameNumber }),
  'target-set': z.object({ kind: z.literal('target-set'), guest: guestIndex, requested: whole(-MAX_U32, MAX_U32), target: u32 }),
  'actual-written': z.object({ kind: z.literal('actual-written'), guest: guestIndex, actual: u32 }),
  'pages-allocated': z.object({ kind: z.literal('pages-allocated'), guest: guestIndex, gpfns: gpfnList }),
  'pages-freed': z.object({ kind: z.literal('pages-freed'), guest: guestIndex, gpfns: gpfnList }),
  'wrote': z.object({ kind: z.literal('wrote'), guest: guestIndex, gpfn: u32, token: whole() }),
  'read': z.object({ kind: z.literal('read'), guest: guestIndex, gpfn: u32, value: whole() }),
  'out-of-puff': z.object({ kind: z.literal('out-of-puff'), guest: guestIndex }),
  'reset': z.object({ kind: z.literal('reset'), guest: guestIndex }),
} as const;

/** A step result whose effects are `effect` and whose refusal codes are `codes`. */
export function stepResultSchema<E extends z.ZodType>(effect: E, codes: readonly [string, ...string[]]) {
  const effects = z.array(effect).max(MAX_EFFECTS_PER_STEP);
  return z.discriminatedUnion('outcome', [
    z.object({ outcome: z.literal('accepted'), effects }),
    z.object({ outcome: z.literal('refused'), code: z.enum(codes), message: z.string().max(4096), effects }),
  ]);
}

const CountsSchema = z.object({ free: whole(), used: whole(), inflating: whole(), ballooned: whole(), deflating: whole() });

/**
 * The world fields of a guest observation of a family that models no assigned device
 * (`dmaView` is null), sized for `g`; a family adds its own part beside them.
 */
export function worldGuestFields(g: WorldGuestConfig) {
  const space = gpfnSpace(g);
  return {
    target: whole(),
    actual: whole(),
    p2m: typedArray(Int32Array, space),
    dmaView: z.null(),
    pageState: typedArray(Uint8Array, space),
    hostBallooned: typedArray(Uint8Array, space),
    counts: CountsSchema,
  };
}

/** The host part of an observation of a system built from `config`. */
export function hostObservationSchema(config: WorldConfig) {
  return z.object({
    totalFrames: z.literal(config.hostFrames),
    reservedFrames: z.literal(config.reservedFrames),
    freeFrames: whole(),
    owner: typedArray(Int32Array, config.hostFrames),
    ownerGpfn: typedArray(Int32Array, config.hostFrames),
  });
}

/** The gpfn lists of the world effects, which must lie in the guest's space (core/shape.ts effectsInRange). */
const WORLD_LISTS = { 'pages-allocated': 'gpfns', 'pages-freed': 'gpfns' } as const;

export interface SchemaShapeOptions<K extends WorldConfig> {
  /** A field of every guest observation that only this family has. */
  guestField: string;
  /** The whole observation of a system built from `config` (built once per configuration object). */
  observationSchema(config: K): z.ZodType;
  stepResultSchema: z.ZodType<{ outcome: string; effects: readonly { kind: string; guest: number }[] }>;
  words: ShapeWords;
}

/**
 * A family shape (properties/family.ts FamilyShape) checked by schemas: the observation by its
 * schema, built once per configuration object (a system keeps its configuration); the step result
 * by its schema and, with a configuration, the guests, gpfns and frames of its world effects. Costs
 * about as much as a zod parse of the observation per step (tens of µs on the default systems).
 */
export function schemaFamilyShape<K extends WorldConfig>(o: SchemaShapeOptions<K>) {
  const schemas = new WeakMap<K, z.ZodType>();
  const schemaFor = (config: K): z.ZodType => {
    let s = schemas.get(config);
    if (!s) { s = o.observationSchema(config); schemas.set(config, s); }
    return s;
  };
  return {
    guestField: o.guestField,
    observationProblems(obs: unknown, config: K): string[] {
      const p = new Problems();
      schemaProblems(schemaFor(config), obs, 'observation', p, o.words);
      return p.list.map((l) => l.replace(/^observation\./, ''));
    },
    stepResultProblems(r: unknown, config?: K): string[] {
      const p = new Problems();
      const parsed = schemaProblems(o.stepResultSchema, r, 'result', p, o.words);
      if (parsed && config) effectsInRange(p, parsed.effects, config, WORLD_LISTS);
      return p.list;
    },
  };
}
