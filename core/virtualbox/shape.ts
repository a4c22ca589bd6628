/**
 * The shape of a VirtualBox observation (core/virtualbox/observation.ts) and step result
 * (core/virtualbox/effects.ts) as zod schemas, the one definition, and the checks adapters/ runs
 * on every step of a user's VirtualBox module (core/world-shape.ts builds them from the schemas):
 * one line per problem, naming the field. Per-gpfn arrays are checked for type and length; the
 * properties judge their contents.
 *
 * @example
 *   vboxShape.observationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import type { ShapeWords } from '../shape.ts';
import {
  MAX_U32, gpfnList, guestIndex as guest, hostObservationSchema, schemaFamilyShape, stepResultSchema, whole, worldEffectSchemas as w, worldGuestFields,
} from '../world-shape.ts';
import { VBOX_CHUNK_PAGES, type VboxGuestConfig, type VboxSystemConfig } from './config.ts';
import type { VboxEffectKind } from './effects.ts';
import { VBOX_ERROR_CODES, vboxStatuses, type VboxErrorCode, type VboxStatus } from './errors.ts';

const rc = z.enum(vboxStatuses as [VboxStatus, ...VboxStatus[]]);
const refusal = z.enum(['VERR_NO_MEMORY', 'VERR_GMM_SEED_ME']);
/** A wanted size in chunks times the chunk's pages: set-target carries chunks up to 2^32 - 1. */
const requestedPages = whole(-MAX_U32 * VBOX_CHUNK_PAGES, MAX_U32 * VBOX_CHUNK_PAGES);

const effectSchemas = [
  w['frame-mapped'], w['frame-released'], w['actual-written'], w['pages-allocated'], w['pages-freed'], w.wrote, w.read, w['out-of-puff'],
  z.object({ kind: z.literal('target-set'), guest, requested: requestedPages, target: whole() }),
  z.object({ kind: z.literal('get-balloon-req'), guest, wanted: whole(), physChunks: whole(), accepted: z.boolean() }),
  // A hostile request's addresses may name any page: its gpfns are whole numbers, not checked against the space.
  z.object({ kind: z.literal('change-balloon'), guest, origin: z.enum(['driver', 'hostile']), inflate: z.boolean(), gpfns: gpfnList, aligned: z.boolean(), rc, queued: z.boolean() }),
  z.object({ kind: z.literal('balloon-applied'), guest, inflate: z.boolean(), pages: whole() }),
  z.object({ kind: z.literal('balloon-event'), guest, step: z.enum(['raised', 'delivered']) }),
  z.object({ kind: z.literal('session'), guest, step: z.enum(['closing', 'closed']) }),
  z.object({ kind: z.literal('armed'), guest, status: refusal }),
] as const;

export const VboxEffectSchema = z.discriminatedUnion('kind', [...effectSchemas]);
// Every effect kind of core/virtualbox has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof VboxEffectSchema>['kind'];
const _sameKinds: [SchemaKinds, VboxEffectKind] = ['' as VboxEffectKind, '' as SchemaKinds];
void _sameKinds;

export const VboxStepResultSchema = stepResultSchema(VboxEffectSchema, Object.keys(VBOX_ERROR_CODES) as [VboxErrorCode, ...VboxErrorCode[]]);

function guestSchema(g: VboxGuestConfig) {
  return z.object({
    ...worldGuestFields(g),
    virtualbox: z.object({
      driver: z.object({
        chunks: whole(), maxChunks: whole(), wanted: whole(), told: z.boolean(), inFlight: z.enum(['inflate', 'deflate']).nullable(), closing: z.boolean(),
      }),
      host: z.object({
        wanted: whole(), eventPending: z.boolean(), ballooned: whole(-Number.MAX_SAFE_INTEGER),
        queue: z.array(z.object({ inflate: z.boolean(), pages: whole() })).max(4096), armed: whole(), zeroFrame: whole(0, 2 ** 24),
      }),
    }),
  });
}

/** The schema of an observation of a VirtualBox system built from `config`. */
export function vboxObservationSchema(config: VboxSystemConfig) {
  return z.object({
    host: hostObservationSchema(config),
    guests: z.tuple(config.guests.map(guestSchema) as [ReturnType<typeof guestSchema>, ...ReturnType<typeof guestSchema>[]]),
  });
}

function numberRange(field: string | undefined): string {
  if (field === 'guest') return '0 to 255';
  if (field === 'frame' || field === 'zeroFrame') return `0 to ${2 ** 24}`;
  if (field === 'requested') return `-${MAX_U32 * VBOX_CHUNK_PAGES} to ${MAX_U32 * VBOX_CHUNK_PAGES}`;
  if (field === 'ballooned') return `-${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;
  if (field === 'gpfn' || field === 'actual') return `0 to ${MAX_U32}`;
  return `0 to ${Number.MAX_SAFE_INTEGER}`;
}

const WORDS: ShapeWords = { effectsFile: 'core/virtualbox/effects.ts', errorsFile: 'core/virtualbox/errors.ts', range: numberRange };

/** What adapters/ checks of a user's VirtualBox module on every step. */
export const vboxShape = schemaFamilyShape<VboxSystemConfig>({
  guestField: 'virtualbox', observationSchema: vboxObservationSchema, stepResultSchema: VboxStepResultSchema, words: WORDS,
});
