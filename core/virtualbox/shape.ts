/**
 * The shape of a VirtualBox observation (core/virtualbox/observation.ts) and step result
 * (core/virtualbox/effects.ts), and the checks adapters/ runs on every step of a user's
 * VirtualBox module: one line per problem, naming the field. Per-gpfn arrays are checked for type
 * and length, never entry by entry; the properties judge their contents. O(guests), never O(memory).
 *
 * @example
 *   vboxObservationProblems(sys.observe(), config) // [] for a well-formed one
 */
import { z } from 'zod';
import { gpfnSpace } from '../world.ts';
import { MAX_EFFECTS_PER_STEP, Problems, schemaProblems, type ShapeWords } from '../shape.ts';
import type { VboxSystemConfig } from './config.ts';
import { VBOX_ERROR_CODES, vboxStatuses, type VboxErrorCode, type VboxStatus } from './errors.ts';
import type { VboxEffectKind } from './effects.ts';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min = 0, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const u32 = whole(0, MAX_U32);
const guest = whole(0, 255);
const frame = whole(0, 2 ** 24);
const gpfns = z.array(whole()).max(MAX_EFFECTS_PER_STEP);
const code = z.enum(Object.keys(VBOX_ERROR_CODES) as [VboxErrorCode, ...VboxErrorCode[]]);
const rc = z.enum(vboxStatuses as [VboxStatus, ...VboxStatus[]]);

const effectSchemas = [
  z.object({ kind: z.literal('frame-mapped'), guest, gpfn: u32, frame }),
  z.object({ kind: z.literal('frame-released'), guest, gpfn: u32, frame }),
  z.object({ kind: z.literal('target-set'), guest, requested: whole(-MAX_U32 * 256, MAX_U32 * 256), target: whole() }),
  z.object({ kind: z.literal('actual-written'), guest, actual: whole() }),
  z.object({ kind: z.literal('pages-allocated'), guest, gpfns }),
  z.object({ kind: z.literal('pages-freed'), guest, gpfns }),
  z.object({ kind: z.literal('wrote'), guest, gpfn: u32, token: whole() }),
  z.object({ kind: z.literal('read'), guest, gpfn: u32, value: whole() }),
  z.object({ kind: z.literal('out-of-puff'), guest }),
  z.object({ kind: z.literal('get-balloon-req'), guest, wanted: u32, physChunks: u32, accepted: z.boolean() }),
  z.object({ kind: z.literal('change-balloon'), guest, origin: z.enum(['driver', 'hostile']), inflate: z.boolean(), gpfns, aligned: z.boolean(), rc, queued: z.boolean() }),
  z.object({ kind: z.literal('balloon-applied'), guest, inflate: z.boolean(), pages: u32 }),
  z.object({ kind: z.literal('balloon-event'), guest, step: z.enum(['raised', 'delivered']) }),
  z.object({ kind: z.literal('session'), guest, step: z.enum(['closing', 'closed']) }),
  z.object({ kind: z.literal('armed'), guest, status: z.enum(['VERR_NO_MEMORY', 'VERR_GMM_SEED_ME']) }),
] as const;

export const VboxEffectSchema = z.discriminatedUnion('kind', [...effectSchemas]);

// Every effect kind of core/virtualbox has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof VboxEffectSchema>['kind'];
const _sameKinds: [SchemaKinds, VboxEffectKind] = ['' as VboxEffectKind, '' as SchemaKinds];
void _sameKinds;

const effects = z.array(VboxEffectSchema).max(MAX_EFFECTS_PER_STEP);
export const VboxStepResultSchema = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('accepted'), effects }),
  z.object({ outcome: z.literal('refused'), code, message: z.string().max(4096), effects }),
]);

const range = (field: string | undefined): string =>
  field === 'guest' ? '0 to 255' : field === 'frame' ? `0 to ${2 ** 24}` : `0 to ${MAX_U32}`;
const WORDS: ShapeWords = { effectsFile: 'core/virtualbox/effects.ts', errorsFile: 'core/virtualbox/errors.ts', range };

const COUNTS = ['free', 'used', 'inflating', 'ballooned', 'deflating'] as const;

/** Why `obs` is not an observation of a VirtualBox system built from `config`; empty when it is one. */
export function vboxObservationProblems(obs: unknown, config: VboxSystemConfig): string[] {
  const p = new Problems();
  if (!p.object('observation', obs)) return p.list;
  if (p.object('host', obs.host)) {
    const h = obs.host;
    p.whole('host.totalFrames', h.totalFrames, config.hostFrames);
    p.whole('host.reservedFrames', h.reservedFrames, config.reservedFrames);
    p.whole('host.freeFrames', h.freeFrames);
    p.typed('host.owner', h.owner, Int32Array, config.hostFrames);
    p.typed('host.ownerGpfn', h.ownerGpfn, Int32Array, config.hostFrames);
  }
  if (!Array.isArray(obs.guests) || obs.guests.length !== config.guests.length) {
    p.add('guests', `an Array of ${config.guests.length} guest observations`, obs.guests);
    return p.list;
  }
  config.guests.forEach((cfg, i) => {
    const at = `guests[${i}]`;
    const g: unknown = (obs.guests as unknown[])[i];
    if (p.full || !p.object(at, g)) return;
    const space = gpfnSpace(cfg);
    p.whole(`${at}.target`, g.target);
    p.whole(`${at}.actual`, g.actual);
    p.typed(`${at}.p2m`, g.p2m, Int32Array, space);
    if (g.dmaView !== null) p.add(`${at}.dmaView`, 'null (passthrough is not modelled for VirtualBox)', g.dmaView);
    p.typed(`${at}.pageState`, g.pageState, Uint8Array, space);
    p.typed(`${at}.hostBallooned`, g.hostBallooned, Uint8Array, space);
    if (p.object(`${at}.counts`, g.counts)) for (const k of COUNTS) p.whole(`${at}.counts.${k}`, g.counts[k]);
    if (!p.object(`${at}.virtualbox`, g.virtualbox)) return;
    const v = g.virtualbox;
    if (p.object(`${at}.virtualbox.driver`, v.driver)) {
      const d = v.driver;
      for (const k of ['chunks', 'maxChunks', 'wanted'] as const) p.whole(`${at}.virtualbox.driver.${k}`, d[k]);
      for (const k of ['told', 'closing'] as const) if (typeof d[k] !== 'boolean') p.add(`${at}.virtualbox.driver.${k}`, 'a boolean', d[k]);
      if (d.inFlight !== null && d.inFlight !== 'inflate' && d.inFlight !== 'deflate') p.add(`${at}.virtualbox.driver.inFlight`, "'inflate', 'deflate' or null", d.inFlight);
    }
    if (p.object(`${at}.virtualbox.host`, v.host)) {
      const h = v.host;
      for (const k of ['wanted', 'ballooned', 'armed', 'zeroFrame'] as const) p.whole(`${at}.virtualbox.host.${k}`, h[k]);
      if (typeof h.eventPending !== 'boolean') p.add(`${at}.virtualbox.host.eventPending`, 'a boolean', h.eventPending);
      if (!Array.isArray(h.queue)) p.add(`${at}.virtualbox.host.queue`, 'an Array', h.queue);
    }
  });
  return p.list;
}

/** Why `r` is not a VirtualBox step result; empty when it is one. With `config`, guests, gpfns and frames are checked against it. */
export function vboxStepResultProblems(r: unknown, config?: VboxSystemConfig): string[] {
  const p = new Problems();
  const parsed = schemaProblems(VboxStepResultSchema, r, 'result', p, WORDS);
  if (!parsed || !config) return p.list;
  parsed.effects.forEach((e, i) => {
    if (p.full) return;
    const at = `result.effects[${i}]`;
    const g = config.guests[e.guest];
    if (!g) { p.add(`${at}.guest`, `a guest index below ${config.guests.length}`, e.guest); return; }
    const space = gpfnSpace(g);
    const one = (where: string, n: number) => { if (n >= space) p.add(`${at}.${where}`, `a gpfn below ${space} (guest ${e.guest}'s space)`, n); };
    switch (e.kind) {
      case 'frame-mapped': case 'frame-released':
        one('gpfn', e.gpfn);
        if (e.frame >= config.hostFrames) p.add(`${at}.frame`, `a frame below ${config.hostFrames}`, e.frame);
        break;
      case 'wrote': case 'read': one('gpfn', e.gpfn); break;
      case 'pages-allocated': case 'pages-freed': {
        const k = e.gpfns.findIndex((n) => n >= space);
        if (k >= 0) one(`gpfns[${k}]`, e.gpfns[k]);
        break;
      }
      default: break;
    }
  });
  return p.list;
}
