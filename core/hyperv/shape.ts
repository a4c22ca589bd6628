/**
 * The shape of a Hyper-V observation (core/hyperv/observation.ts) and step result
 * (core/hyperv/effects.ts) as zod schemas, the one definition, and the checks adapters/ runs on
 * every step of a user's Hyper-V module (core/world-shape.ts builds them from the schemas): one
 * line per problem, naming the field. Messages are checked for their fields' types and widths
 * (a hostile message may name any page: dm_mem_page_range carries 40-bit page numbers and 24-bit
 * counts); the properties judge their contents.
 *
 * @example
 *   hvShape.observationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import type { ShapeWords } from '../shape.ts';
import {
  MAX_U32, gpfnList, guestIndex as guest, hostObservationSchema, schemaFamilyShape, stepResultSchema, whole, worldEffectSchemas as w, worldGuestFields,
} from '../world-shape.ts';
import type { HvGuestConfig, HvSystemConfig } from './config.ts';
import type { HvEffectKind } from './effects.ts';
import { HV_ERROR_CODES, type HvErrorCode } from './errors.ts';
import { HV_VERSIONS, type HvMessageType } from './messages.ts';

const u32 = whole(0, MAX_U32);
const code = z.enum(Object.keys(HV_ERROR_CODES) as [HvErrorCode, ...HvErrorCode[]]);
const version = z.enum(HV_VERSIONS);
/** union dm_mem_page_range: a 40-bit start page and a 24-bit count. */
const range = z.object({ start: whole(0, 2 ** 40 - 1), count: whole(0, 2 ** 24 - 1) });
const ranges = z.array(range).max(4096);

const messages = [
  z.object({ type: z.literal('version-request'), trans: u32, version }),
  z.object({ type: z.literal('version-response'), trans: u32, accepted: z.boolean() }),
  z.object({ type: z.literal('caps-report'), trans: u32, balloon: z.boolean(), hotAdd: z.boolean() }),
  z.object({ type: z.literal('caps-response'), trans: u32, accepted: z.boolean() }),
  z.object({ type: z.literal('status'), trans: u32, free: whole(), committed: whole() }),
  z.object({ type: z.literal('balloon-request'), trans: u32, pages: u32 }),
  z.object({ type: z.literal('balloon-response'), trans: u32, ranges, more: z.boolean() }),
  z.object({ type: z.literal('unballoon-request'), trans: u32, ranges, more: z.boolean() }),
  z.object({ type: z.literal('unballoon-response'), trans: u32 }),
  z.object({ type: z.literal('hot-add-request'), trans: u32, range }),
  z.object({ type: z.literal('hot-add-response'), trans: u32, pages: u32, result: z.union([z.literal(0), z.literal(1)]) }),
] as const;
const message = z.discriminatedUnion('type', [...messages]);
// Every message type of core/hyperv has a schema here, and no other: a new type fails this at compile time.
type SchemaTypes = z.infer<typeof message>['type'];
const _sameTypes: [SchemaTypes, HvMessageType] = ['' as HvMessageType, '' as SchemaTypes];
void _sameTypes;

const effectSchemas = [
  w['frame-mapped'], w['frame-released'], w['target-set'], w['actual-written'], w['pages-allocated'], w['pages-freed'], w.wrote, w.read,
  z.object({ kind: z.literal('hv-sent'), guest, from: z.enum(['guest', 'host']), msg: message, sent: z.boolean() }),
  z.object({ kind: z.literal('hv-handled'), guest, by: z.enum(['guest', 'host']), msg: message, refused: code.nullable(), hostile: z.boolean() }),
  z.object({ kind: z.literal('hv-abandoned'), guest, trans: u32 }),
  z.object({ kind: z.literal('hv-ballooned'), guest, gpfns: gpfnList }),
  z.object({ kind: z.literal('hv-returned'), guest, gpfns: gpfnList }),
  z.object({ kind: z.literal('hv-unballooned'), guest, gpfns: gpfnList }),
  z.object({ kind: z.literal('hv-onlined'), guest, gpfns: gpfnList }),
  z.object({ kind: z.literal('hv-offlined'), guest, gpfns: gpfnList }),
] as const;

export const HvEffectSchema = z.discriminatedUnion('kind', [...effectSchemas]);
// Every effect kind of core/hyperv has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof HvEffectSchema>['kind'];
const _sameKinds: [SchemaKinds, HvEffectKind] = ['' as HvEffectKind, '' as SchemaKinds];
void _sameKinds;

export const HvStepResultSchema = stepResultSchema(HvEffectSchema, Object.keys(HV_ERROR_CODES) as [HvErrorCode, ...HvErrorCode[]]);

const outstanding = z.object({ type: z.enum(['balloon', 'unballoon', 'hot-add']), trans: u32, pages: whole() });

function guestSchema(g: HvGuestConfig) {
  return z.object({
    ...worldGuestFields(g),
    hv: z.object({
      phase: z.enum(['version', 'caps', 'ready', 'failed']),
      version: version.nullable(),
      balloonCap: z.boolean(),
      // Unsigned in Linux (dm_device's counters); a wrapped one is the properties' business, not the shape's.
      ballooned: whole(-MAX_U32, MAX_U32), added: whole(-MAX_U32, MAX_U32), onlined: whole(-MAX_U32, MAX_U32),
      unballoonTrans: u32.nullable(),
      host: z.object({
        ready: z.boolean(), outstanding: outstanding.nullable(), added: whole(), stalled: z.boolean(),
        lastCommitted: whole().nullable(), reports: whole(),
      }),
      hotAdd: z.object({ start: whole(), pages: whole() }),
      toGuest: z.array(message).max(4096),
      toHost: z.array(message).max(4096),
    }),
  });
}

/** The schema of an observation of a Hyper-V system built from `config`. */
export function hvObservationSchema(config: HvSystemConfig) {
  return z.object({
    host: hostObservationSchema(config),
    guests: z.tuple(config.guests.map(guestSchema) as [ReturnType<typeof guestSchema>, ...ReturnType<typeof guestSchema>[]]),
  });
}

function numberRange(field: string | undefined): string {
  if (field === 'guest') return '0 to 255';
  if (field === 'frame') return `0 to ${2 ** 24}`;
  if (field === 'start') return `0 to ${2 ** 40 - 1}`;
  if (field === 'count') return `0 to ${2 ** 24 - 1}`;
  if (field === 'requested' || field === 'ballooned' || field === 'added' || field === 'onlined') return `-${MAX_U32} to ${MAX_U32}`;
  if (field === 'trans' || field === 'gpfn' || field === 'actual' || field === 'pages' || field === 'target') return `0 to ${MAX_U32}`;
  return `0 to ${Number.MAX_SAFE_INTEGER}`;
}

const WORDS: ShapeWords = { effectsFile: 'core/hyperv/effects.ts', errorsFile: 'core/hyperv/errors.ts', range: numberRange };

/** What adapters/ checks of a user's Hyper-V module on every step. */
export const hvShape = schemaFamilyShape<HvSystemConfig>({
  guestField: 'hv', observationSchema: hvObservationSchema, stepResultSchema: HvStepResultSchema, words: WORDS,
});
