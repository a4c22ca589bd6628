/**
 * Xen's configuration and commands as trace files hold them: the one definition the trace format
 * (traces/format.ts, one body per family) checks a Xen trace against. A test holds them to the
 * types of core/xen (every command kind has a schema, and no other).
 */
import { z } from 'zod';
import { LayoutSchema } from '../layout-schema.ts';
import { xenHostileKinds, type XenCommand, type XenHostileKind } from './commands.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const guest = whole(0, 255);

/** Every Xen command (core/xen/commands.ts `XenCommand`), without the hostile request the runner builds. */
export const XenCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set-target'), guest, pages: whole(-MAX_U32, MAX_U32) }),
  z.strictObject({ kind: z.literal('thread'), guest, grant: whole(0, MAX_U32).optional(), preempt: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('tick'), guest, seconds: whole(0, MAX_U32) }),
  z.strictObject({ kind: z.literal('lend'), guest, pages: whole(0, MAX_U32) }),
  z.strictObject({ kind: z.literal('unlend'), guest, pages: whole(0, MAX_U32) }),
  z.strictObject({ kind: z.literal('alloc'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('reset'), guest }),
  z.strictObject({ kind: z.literal('hostile'), guest, request: z.enum(xenHostileKinds as [XenHostileKind, ...XenHostileKind[]]), pick: whole(0) }),
]);

// Every command kind of core/xen has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof XenCommandSchema>['kind'];
const _sameKinds: [SchemaKinds, XenCommand['kind']] = ['' as XenCommand['kind'], '' as SchemaKinds];
void _sameKinds;

const XenGuestConfigSchema = z.strictObject({
  layout: LayoutSchema.optional(),
  ramPages: whole(1, 1 << 24),
  guestPageGpfns: z.literal(1),
  holeStart: whole(0, 1 << 24),
  holePages: whole(0, 1 << 24),
  floorPages: whole(0, 1 << 24),
  assignedDevice: z.literal(false),
  mode: z.enum(['pv', 'hvm']),
  podPages: whole(0, 1 << 24),
});

/** A Xen system's configuration (core/xen/config.ts `XenSystemConfig`), field by field; xenConfigProblems checks the rest. */
export const XenConfigSchema = z.strictObject({
  family: z.literal('xen'),
  hostPageGpfns: z.literal(1),
  hostFrames: whole(1, 1 << 24),
  reservedFrames: whole(0, 1 << 24),
  maxExtentOrder: whole(0, 63),
  batchGpfns: whole(1, 1 << 20),
  maxRetries: whole(0, 1 << 20),
  maxDelay: whole(1, 1 << 20),
  guests: z.array(XenGuestConfigSchema).min(1).max(256),
});
