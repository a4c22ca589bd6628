/**
 * VMware's configuration and commands as trace files hold them: the one definition the trace
 * format (traces/format.ts, one body per family) checks a VMware trace against.
 */
import { z } from 'zod';
import { LayoutSchema } from '../layout-schema.ts';
import { vmwHostileKinds, type VmwCommand, type VmwHostileKind } from './commands.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const guest = whole(0, 255);

/** Every VMware command (core/vmware/commands.ts `VmwCommand`), without the hostile request the runner builds. */
export const VmwCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set-target'), guest, pages: whole(-MAX_U32, MAX_U32) }),
  z.strictObject({ kind: z.literal('work'), guest }),
  z.strictObject({ kind: z.literal('refuse'), guest, status: z.enum(['pinned', 'not-needed']), entries: whole(0, MAX_U32) }),
  z.strictObject({ kind: z.literal('busy'), guest, after: whole(0, MAX_U32) }),
  z.strictObject({ kind: z.literal('host-reset'), guest }),
  z.strictObject({ kind: z.literal('migrate'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('alloc'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('hostile'), guest, request: z.enum(vmwHostileKinds as [VmwHostileKind, ...VmwHostileKind[]]), pick: whole(0) }),
]);

// Every command kind of core/vmware has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof VmwCommandSchema>['kind'];
const _sameKinds: [SchemaKinds, VmwCommand['kind']] = ['' as VmwCommand['kind'], '' as SchemaKinds];
void _sameKinds;

const CapsSchema = z.strictObject({ batched: z.boolean(), large: z.boolean(), doorbell: z.boolean(), target64: z.boolean() });

const VmwGuestConfigSchema = z.strictObject({
  layout: LayoutSchema.optional(),
  ramPages: whole(1, 1 << 24),
  guestPageGpfns: z.literal(1),
  holeStart: whole(0, 1 << 24),
  holePages: whole(0, 1 << 24),
  floorPages: whole(0, 1 << 24),
  assignedDevice: z.literal(false),
  ppnBase: whole(0, 2 ** 40),
  caps: CapsSchema,
});

/** A VMware system's configuration (core/vmware/config.ts `VmwSystemConfig`), field by field; vmwConfigProblems checks the rest. */
export const VmwConfigSchema = z.strictObject({
  family: z.literal('vmware'),
  hostPageGpfns: z.literal(1),
  hostFrames: whole(1, 1 << 24),
  reservedFrames: whole(0, 1 << 24),
  batchPages: whole(1, 512),
  largePageGpfns: whole(2, 512),
  maxRefused: whole(1, 1 << 16),
  guests: z.array(VmwGuestConfigSchema).min(1).max(256),
});
