/**
 * The one definition of a step result's shape (core/virtio/effects.ts), as a zod schema: every effect
 * kind with every field, its type and its range. The guard validates each step result of a
 * foreign implementation with it (core/virtio/step-shape.ts turns its issues into "effects[3].gpfns[0]:
 * ..." lines). Ranges that depend on the configuration (guest index, gpfn in the guest's space,
 * frame below hostFrames) are checked after it, in step-shape.ts, from the same parsed fields.
 *
 * Numbers are as wide as the protocol allows, not as the reference implementation happens to
 * use: a gpfn named in a hostile buffer may be anything up to 2^32-1 (core/virtio/commands.ts,
 * HOSTILE_REQUESTS), a requested target anything a `set-target` carries (traces/format.ts).
 */
import { z } from 'zod';
import { MAX_EFFECTS_PER_STEP } from '../shape.ts';
import { effectKinds, ERROR_CODES, type EffectKind, type ErrorCode } from './index.ts';
import { BufferOriginSchema, FeaturesSchema, QueueSchema } from './schema.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max: number) => z.number().int().min(min).max(max);
const u32 = whole(0, MAX_U32);
const guest = whole(0, 255);
const frame = whole(0, 2 ** 24);
const gpfns = z.array(u32).max(MAX_EFFECTS_PER_STEP);
const queue = QueueSchema;
const code = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** A buffer on free_page_vq (core/virtio/hinting.ts `HintBuffer`). */
const HintBufferSchema = z.discriminatedUnion('kind', [
  z.object({ id: u32, kind: z.literal('cmd'), cmdId: u32, bytes: u32 }),
  z.object({ id: u32, kind: z.literal('pages'), gpfns }),
]);
/** One effect of a hinting step (core/virtio/hinting.ts `HintEffect`). */
const HintEffectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cmd-id-set'), cmdId: u32 }),
  z.object({ kind: z.literal('hint-queued'), buffer: HintBufferSchema }),
  z.object({ kind: z.literal('hint-processed'), id: u32, taken: gpfns, ignored: gpfns }),
  z.object({ kind: z.literal('page-dropped'), gpfn: u32 }),
  z.object({ kind: z.literal('hints-returned'), gpfns }),
  z.object({ kind: z.literal('allocated'), gpfn: u32, found: u32 }),
  z.object({ kind: z.literal('freed'), gpfn: u32 }),
  z.object({ kind: z.literal('wrote'), gpfn: u32, value: u32 }),
  z.object({ kind: z.literal('read'), gpfn: u32, value: u32 }),
]);

const effectSchemas = [
  z.object({ kind: z.literal('frame-mapped'), guest, gpfn: u32, frame }),
  z.object({ kind: z.literal('frame-released'), guest, gpfn: u32, frame }),
  z.object({ kind: z.literal('target-set'), guest, requested: whole(-MAX_U32, MAX_U32), target: u32 }),
  z.object({ kind: z.literal('buffer-queued'), guest, queue, id: u32, origin: BufferOriginSchema, gpfns }),
  z.object({
    kind: z.literal('buffer-processed'), guest, queue, id: u32, accepted: gpfns,
    refused: z.array(z.object({ gpfn: u32, code })).max(MAX_EFFECTS_PER_STEP),
    // What the device recorded of a stats buffer (core/virtio/stats.ts StatRecord): a u64 as decimal text.
    stats: z.array(z.object({ tag: whole(0, 0xffff), value: z.string().regex(/^\d{1,20}$/) })).max(MAX_EFFECTS_PER_STEP).optional(),
  }),
  z.object({ kind: z.literal('ack-consumed'), guest, queue, id: u32 }),
  z.object({ kind: z.literal('actual-written'), guest, actual: u32 }),
  z.object({ kind: z.literal('pages-allocated'), guest, gpfns }),
  z.object({ kind: z.literal('pages-freed'), guest, gpfns }),
  z.object({ kind: z.literal('wrote'), guest, gpfn: u32, token: whole(0, Number.MAX_SAFE_INTEGER) }),
  z.object({ kind: z.literal('read'), guest, gpfn: u32, value: whole(0, Number.MAX_SAFE_INTEGER) }),
  z.object({ kind: z.literal('out-of-puff'), guest }),
  z.object({ kind: z.literal('reset'), guest }),
  z.object({ kind: z.literal('poison-checked'), guest, gpfns, values: z.array(u32).max(MAX_EFFECTS_PER_STEP) }),
  z.object({ kind: z.literal('device-status'), guest, status: z.enum(['features-ok', 'driver-ok']), offered: FeaturesSchema.optional(), accepted: FeaturesSchema.optional() }),
  z.object({ kind: z.literal('features-refused'), guest }),
  z.object({ kind: z.literal('poison-written'), guest, value: u32 }),
  z.object({ kind: z.literal('hinting'), guest, effects: z.array(HintEffectSchema).max(MAX_EFFECTS_PER_STEP) }),
] as const;

export const EffectSchema = z.discriminatedUnion('kind', [...effectSchemas]);

// Every effect kind of core/ has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof EffectSchema>['kind'];
const _sameKinds: [SchemaKinds, EffectKind] = ['' as EffectKind, '' as SchemaKinds];
void _sameKinds;
void effectKinds;

const effects = z.array(EffectSchema).max(MAX_EFFECTS_PER_STEP);
export const StepResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('accepted'), effects }),
  z.object({ outcome: z.literal('refused'), code, message: z.string().max(4096), effects }),
]);
