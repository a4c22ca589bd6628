/**
 * The shape of a VMware observation (core/vmware/observation.ts) and step result
 * (core/vmware/effects.ts) as zod schemas, the one definition, and the checks adapters/ runs on
 * every step of a user's VMware module (core/world-shape.ts builds them from the schemas): one
 * line per problem, naming the field. Per-gpfn arrays are checked for type and length; the
 * properties judge their contents.
 *
 * @example
 *   vmwShape.observationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import type { ShapeWords } from '../shape.ts';
import {
  MAX_U32, guestIndex as guest, hostObservationSchema, schemaFamilyShape, stepResultSchema, whole, worldEffectSchemas as w, worldGuestFields,
} from '../world-shape.ts';
import type { VmwGuestConfig, VmwSystemConfig } from './config.ts';
import type { VmwCmd, VmwStatus } from './commands.ts';
import type { VmwEffectKind } from './effects.ts';
import { VMW_ERROR_CODES, type VmwErrorCode } from './errors.ts';

const CMDS = ['start', 'get-target', 'lock', 'unlock', 'guest-id', 'batched-lock', 'batched-unlock', 'batched-2m-lock', 'batched-2m-unlock', 'doorbell-set'] as const satisfies readonly VmwCmd[];
const STATUSES = ['success', 'success-with-caps', 'cmd-invalid', 'ppn-invalid', 'ppn-locked', 'ppn-unlocked', 'ppn-pinned', 'ppn-not-needed', 'reset', 'busy'] as const satisfies readonly VmwStatus[];
// Both lists name every member of their type and nothing else: a new command or status fails this at compile time.
const _allCmds: [VmwCmd, (typeof CMDS)[number]] = ['' as (typeof CMDS)[number], '' as VmwCmd];
const _allStatuses: [VmwStatus, (typeof STATUSES)[number]] = ['' as (typeof STATUSES)[number], '' as VmwStatus];
void _allCmds; void _allStatuses;

const status = z.enum(STATUSES);
const refusal = z.enum(['pinned', 'not-needed']);
/** A guest physical page number: gpfn + ppnBase, which may exceed 32 bits (config.ts ppnBase). */
const ppn = whole();

const effectSchemas = [
  w['frame-mapped'], w['frame-released'], w['target-set'], w['actual-written'], w['pages-allocated'], w['pages-freed'], w.wrote, w.read, w.reset,
  z.object({
    kind: z.literal('backdoor'), guest, cmd: z.enum(CMDS), origin: z.enum(['driver', 'hostile', 'migrate']),
    ppns: z.array(ppn).max(4096), pageGpfns: whole(1, MAX_U32), status, entries: z.array(status).max(4096), target: whole().nullable(),
    set: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('work'), guest, reset: z.boolean(), change: whole(-Number.MAX_SAFE_INTEGER), peakRefused: whole(), refusedFreed: whole() }),
  z.object({ kind: z.literal('host-forgot'), guest, pages: whole() }),
  z.object({ kind: z.literal('armed'), guest, status: z.union([refusal, z.literal('busy')]), entries: whole() }),
] as const;

export const VmwEffectSchema = z.discriminatedUnion('kind', [...effectSchemas]);
// Every effect kind of core/vmware has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof VmwEffectSchema>['kind'];
const _sameKinds: [SchemaKinds, VmwEffectKind] = ['' as VmwEffectKind, '' as SchemaKinds];
void _sameKinds;

export const VmwStepResultSchema = stepResultSchema(VmwEffectSchema, Object.keys(VMW_ERROR_CODES) as [VmwErrorCode, ...VmwErrorCode[]]);

const caps = z.object({ batched: z.boolean(), large: z.boolean(), doorbell: z.boolean(), target64: z.boolean() });

function guestSchema(g: VmwGuestConfig) {
  return z.object({
    ...worldGuestFields(g),
    vmware: z.object({
      driver: z.object({
        size: whole(), target: whole(), resetRequired: z.boolean(), caps: caps.nullable(), large: z.boolean(), doorbell: z.boolean(),
        pages4k: whole(), pages2m: whole(),
      }),
      host: z.object({
        target: whole(), caps: caps.nullable(), forgot: z.boolean(), doorbell: z.boolean(), guestId: z.boolean(), locked: whole(),
        armed: z.array(z.object({ status: refusal, entries: whole() })).max(4096), busy: z.boolean(),
      }),
    }),
  });
}

/** The schema of an observation of a VMware system built from `config`. */
export function vmwObservationSchema(config: VmwSystemConfig) {
  return z.object({
    host: hostObservationSchema(config),
    guests: z.tuple(config.guests.map(guestSchema) as [ReturnType<typeof guestSchema>, ...ReturnType<typeof guestSchema>[]]),
  });
}

function numberRange(field: string | undefined): string {
  if (field === 'guest') return '0 to 255';
  if (field === 'frame') return `0 to ${2 ** 24}`;
  if (field === 'requested' || field === 'change') return `-${MAX_U32} to ${MAX_U32}`;
  if (field === 'pageGpfns') return `1 to ${MAX_U32}`;
  if (field === 'gpfn' || field === 'actual') return `0 to ${MAX_U32}`;
  return `0 to ${Number.MAX_SAFE_INTEGER}`;
}

const WORDS: ShapeWords = { effectsFile: 'core/vmware/effects.ts', errorsFile: 'core/vmware/errors.ts', range: numberRange };

/** What adapters/ checks of a user's VMware module on every step. */
export const vmwShape = schemaFamilyShape<VmwSystemConfig>({
  guestField: 'vmware', observationSchema: vmwObservationSchema, stepResultSchema: VmwStepResultSchema, words: WORDS,
});
