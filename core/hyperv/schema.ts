/**
 * Hyper-V's configuration and commands as trace files hold them: the one definition the trace
 * format (traces/format.ts, one body per family) checks a Hyper-V trace against.
 */
import { z } from 'zod';
import { LayoutSchema } from '../layout-schema.ts';
import { hvHostileKinds, type HvCommand, type HvHostileKind } from './commands.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const guest = whole(0, 255);

/** Every Hyper-V command (core/hyperv/commands.ts), without the hostile message the runner builds. */
export const HvCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set-target'), guest, pages: whole(-MAX_U32, MAX_U32) }),
  z.strictObject({ kind: z.literal('host-send'), guest, parts: whole(0, MAX_U32).optional(), span: whole(0, MAX_U32).optional() }),
  z.strictObject({ kind: z.literal('host-recv'), guest, reject: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('guest'), guest, fail: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('status'), guest }),
  z.strictObject({ kind: z.literal('hot-add'), guest, pick: whole(0), pages: whole(0, MAX_U32) }),
  z.strictObject({ kind: z.literal('offline'), guest }),
  z.strictObject({ kind: z.literal('alloc'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('hostile'), guest, request: z.enum(hvHostileKinds as [HvHostileKind, ...HvHostileKind[]]), pick: whole(0) }),
]);

// Every command kind of core/hyperv has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof HvCommandSchema>['kind'];
const _sameKinds: [SchemaKinds, HvCommand['kind']] = ['' as HvCommand['kind'], '' as SchemaKinds];
void _sameKinds;

const HvGuestConfigSchema = z.strictObject({
  layout: LayoutSchema.optional(),
  ramPages: whole(1, 1 << 24),
  guestPageGpfns: z.union([z.literal(1), z.literal(16)]),
  holeStart: whole(0, 1 << 24),
  holePages: whole(0, 1 << 24),
  floorPages: whole(0, 1 << 24),
  assignedDevice: z.literal(false),
  hotAddStart: whole(0, 1 << 24),
  hotAddPages: whole(0, 1 << 24),
});

/** A Hyper-V system's configuration, field by field; hvConfigProblems checks the rest. */
export const HvConfigSchema = z.strictObject({
  family: z.literal('hyperv'),
  /** core/hyperv/config.ts `HvProfile`; absent: sheet (traces written before profiles). */
  profile: z.enum(['sheet', 'careful']).optional(),
  hostPageGpfns: z.literal(1),
  hostFrames: whole(1, 1 << 24),
  reservedFrames: whole(0, 1 << 24),
  rangesPerMessage: whole(1, 1 << 16),
  allocUnit: whole(1, 1 << 16),
  guests: z.array(HvGuestConfigSchema).min(1).max(256),
});
