/**
 * VirtualBox's configuration and commands as trace files hold them: the one definition the trace
 * format (traces/format.ts, one body per family) checks a VirtualBox trace against.
 */
import { z } from 'zod';
import { LayoutSchema } from '../layout-schema.ts';
import { vboxHostileKinds, type VboxCommand, type VboxHostileKind } from './commands.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const guest = whole(0, 255);

/** Every VirtualBox command (core/virtualbox/commands.ts `VboxCommand`), without the hostile request the runner builds. */
export const VboxCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('set-target'), guest, chunks: whole(-MAX_U32, MAX_U32) }),
  z.strictObject({ kind: z.literal('deliver'), guest }),
  z.strictObject({ kind: z.literal('step'), guest }),
  z.strictObject({ kind: z.literal('apply'), guest }),
  z.strictObject({ kind: z.literal('refuse'), guest, status: z.enum(['VERR_NO_MEMORY', 'VERR_GMM_SEED_ME']) }),
  z.strictObject({ kind: z.literal('close'), guest }),
  z.strictObject({ kind: z.literal('alloc'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('hostile'), guest, request: z.enum(vboxHostileKinds as [VboxHostileKind, ...VboxHostileKind[]]), pick: whole(0) }),
]);

// Every command kind of core/virtualbox has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof VboxCommandSchema>['kind'];
const _sameKinds: [SchemaKinds, VboxCommand['kind']] = ['' as VboxCommand['kind'], '' as SchemaKinds];
void _sameKinds;

const VboxGuestConfigSchema = z.strictObject({
  layout: LayoutSchema.optional(),
  ramPages: whole(1, 1 << 24),
  guestPageGpfns: z.literal(1),
  holeStart: whole(0, 1 << 24),
  holePages: whole(0, 1 << 24),
  floorPages: whole(0, 1 << 24),
  assignedDevice: z.literal(false),
  cpus: whole(1, 64),
});

/** A VirtualBox system's configuration (core/virtualbox/config.ts `VboxSystemConfig`), field by field; vboxConfigProblems checks the rest. */
export const VboxConfigSchema = z.strictObject({
  family: z.literal('virtualbox'),
  hostPageGpfns: z.literal(1),
  hostFrames: whole(1, 1 << 24),
  reservedFrames: whole(1, 1 << 24),
  chunkPages: whole(2, 256),
  guests: z.array(VboxGuestConfigSchema).min(1).max(256),
});
