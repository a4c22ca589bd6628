/**
 * The virtio words that traces and observations share, as zod schemas: the one definition of
 * the feature bits, the queue names, who queued a buffer, and the driver's page counters. The
 * trace format (format.ts: a configuration's features, a `device` command's queue), the check of
 * a user's step results (core/virtio/step-schema.ts) and of its observations
 * (adapters/observation-schema.ts, core/virtio/observation-shape.ts) are built from these, and a test holds
 * them to core's types (test/adapters/observation-schema.test.ts).
 */
import { z } from 'zod';
import { LayoutSchema } from '../layout-schema.ts';
import { hostileKinds, type Command, type HostileKind } from './commands.ts';
import { FEATURE_NAMES } from './negotiation.ts';
import { MAX_REPORT_ORDER } from './reporting.ts';

/** The feature bits the model knows (VIRTIO 1.x 5.5.3): core/config.ts `VirtioFeatures`. */
export const FeaturesSchema = z.strictObject({
  mustTellHost: z.boolean(), statsVq: z.boolean(), deflateOnOom: z.boolean(),
  pagePoison: z.boolean().optional(), pageReporting: z.boolean().optional(), freePageHint: z.boolean().optional(),
});

/** The virtqueues (VIRTIO 1.2 5.5.2): core/commands.ts `QueueName`. */
export const QueueSchema = z.enum(['inflate', 'deflate', 'stats', 'reporting']);

/** Who put a buffer on a queue: core/effects.ts `BufferOrigin`. */
export const BufferOriginSchema = z.enum(['driver', 'oom', 'hostile']);

/** The driver's counters, in gpfns: core/observation.ts `GuestCounts`. */
export const GuestCountsSchema = z.object({
  free: z.number().int().min(0), used: z.number().int().min(0), inflating: z.number().int().min(0),
  ballooned: z.number().int().min(0), deflating: z.number().int().min(0),
});

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const guest = whole(0, 255);

/** One free page hinting step (core/virtio/hinting.ts `HintCommand`), the `op` of a `hint` command. */
export const HintOpSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('hint-request') }),
  z.strictObject({ kind: z.literal('hint-stop') }),
  z.strictObject({ kind: z.literal('hint-done') }),
  z.strictObject({ kind: z.literal('hint-driver'), pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('hint-device') }),
  z.strictObject({ kind: z.literal('hint-release'), pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('alloc'), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), pick: whole(0) }),
]);

/** Every virtio command as a trace file holds it (core/virtio/commands.ts `Command`, without the hostile buffer). */
export const VirtioCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set-target'), guest, pages: whole(-MAX_U32, MAX_U32) }),
  z.strictObject({ kind: z.literal('driver'), guest }),
  z.strictObject({ kind: z.literal('device'), guest, queue: QueueSchema }),
  z.strictObject({ kind: z.literal('alloc'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('reset'), guest, withhold: z.array(z.enum(FEATURE_NAMES)).max(FEATURE_NAMES.length).optional(), refuse: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('report'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('hostile'), guest, request: z.enum(hostileKinds as [HostileKind, ...HostileKind[]]), pick: whole(0) }),
  z.strictObject({ kind: z.literal('hint'), guest, op: HintOpSchema }),
]);

// Every command kind of core/virtio has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof VirtioCommandSchema>['kind'];
const _sameKinds: [SchemaKinds, Command['kind']] = ['' as Command['kind'], '' as SchemaKinds];
void _sameKinds;

const GuestConfigSchema = z.strictObject({
  layout: LayoutSchema.optional(),
  ramPages: whole(1, 1 << 24),
  guestPageGpfns: z.literal([1, 16]),
  holeStart: whole(0, 1 << 24),
  holePages: whole(0, 1 << 24),
  floorPages: whole(0, 1 << 24),
  features: FeaturesSchema,
  assignedDevice: z.boolean(),
  /** core/virtio/config.ts `reportOrder`; absent: 0. */
  reportOrder: whole(0, MAX_REPORT_ORDER).optional(),
});

/** A virtio system's configuration (core/virtio/config.ts `SystemConfig`), field by field; configProblems checks the rest. */
export const VirtioConfigSchema = z.strictObject({
  family: z.literal('virtio'),
  hostFrames: whole(1, 1 << 24),
  reservedFrames: whole(0, 1 << 24),
  hostPageGpfns: z.literal([1, 4, 16, 512]),
  maxBatch: whole(1, 4096),
  guests: z.array(GuestConfigSchema).min(1).max(256),
  /** core/virtio/config.ts `VirtioProfile`; absent: linux (traces written before profiles). */
  profile: z.enum(['spec', 'linux', 'firecracker']).optional(),
});
