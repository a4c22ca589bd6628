/**
 * core/xen/shape.ts: the Xen observation's shape is defined once, as a zod schema
 * (xenObservationSchema); the guard runs a hand-written walk of it (xenObservationProblems)
 * because it is faster. The two must give the same verdict on valid observations and on each way
 * one can be broken; the walk names the field. Step results are checked by the schema itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { xenGuestConfig, xenSystemConfig, type XenSystemConfig } from '../../core/xen/index.ts';
import { xenObservationProblems, xenObservationSchema, xenStepResultProblems } from '../../core/xen/shape.ts';
import { createXenReference } from '../../impl/xen/index.ts';
import createFlatXenSystem from '../../examples/xen-flat/index.ts';
import { resolveXenHostile, xenCheckConfig, xenCommandsArb } from '../../properties/xen/index.ts';

const CONFIGS: XenSystemConfig[] = [xenCheckConfig(), xenSystemConfig({ guests: [xenGuestConfig({ ramPages: 16, holeStart: 4, holePages: 4 })] })];

/** Copy `obs` with the field at `path` set to `v` (typed arrays are kept by reference). */
function withField(obs: unknown, path: readonly (string | number)[], v: unknown): unknown {
  if (path.length === 0) return v;
  const [k, ...rest] = path;
  const o = obs as Record<string | number, unknown>;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(o) ? [...o] : { ...o };
  (copy as Record<string | number, unknown>)[k] = withField(o[k], rest, v);
  return copy;
}

const FIELDS: (string | number)[][] = [
  ['host'], ['host', 'totalFrames'], ['host', 'freeFrames'], ['host', 'owner'], ['host', 'ownerGpfn'], ['guests'],
  ...['target', 'actual', 'p2m', 'dmaView', 'pageState', 'hostBallooned', 'counts', 'xen'].map((k) => ['guests', 0, k]),
  ['guests', 0, 'counts', 'used'],
  ...['thread', 'currentPages', 'targetPages', 'balloonLow', 'balloonHigh', 'lent', 'podEntries', 'podCache', 'pod', 'guestP2m'].map((k) => ['guests', 0, 'xen', k]),
  ...['state', 'delay', 'retries', 'wakeAt', 'sleepCredit', 'inHypercall'].map((k) => ['guests', 0, 'xen', 'thread', k]),
  ['xen'], ['xen', 'now'],
];
const BAD: unknown[] = [undefined, null, -1, 1.5, 'x', true, [], {}, new Int32Array(3), new Uint8Array(64), 2 ** 60];

describe('xenObservationProblems and xenObservationSchema', () => {
  it('both accept every observation of the reference and of the example along random runs', () => {
    for (const config of CONFIGS) {
      const schema = xenObservationSchema(config);
      fc.assert(fc.property(xenCommandsArb(config, 40), (commands) => {
        for (const sys of [createXenReference(config), createFlatXenSystem(config)]) {
          for (const c of commands) {
            const r = sys.apply(c.kind === 'hostile' ? resolveXenHostile(c, config, sys.observe()) : c);
            expect(xenStepResultProblems(r, config)).toEqual([]);
            expect(xenObservationProblems(sys.observe(), config)).toEqual([]);
            expect(schema.safeParse(sys.observe()).success).toBe(true);
          }
        }
      }), { numRuns: 20, seed: 5 });
    }
  });

  it('agree on every way a field can be broken, and the walk names the field', () => {
    const config = CONFIGS[0];
    const schema = xenObservationSchema(config);
    const obs = createXenReference(config).observe();
    for (const path of FIELDS) {
      for (const v of BAD) {
        const broken = withField(obs, path, v);
        const walk = xenObservationProblems(broken, config);
        const where = `${path.join('.')} = ${String(v)}`;
        expect(walk.length === 0, where).toBe(schema.safeParse(broken).success);
        if (walk.length > 0 && path.length > 1) expect(walk[0], where).toContain(path.slice(-1)[0] === 0 ? 'guests[0]' : String(path.slice(-1)[0]));
      }
    }
  });

  it('says which field is wrong, in one line', () => {
    const config = CONFIGS[0];
    const obs = createXenReference(config).observe();
    expect(xenObservationProblems(withField(obs, ['guests', 1, 'xen', 'pod'], [0, 1]), config))
      .toEqual(['guests[1].xen.pod: expected Uint8Array of length 56, got Array of length 2']);
    expect(xenObservationProblems(withField(obs, ['guests', 0, 'xen', 'guestP2m'], null), config))
      .toEqual(['guests[0].xen.guestP2m: expected Int32Array of length 64, got null']);
    expect(xenObservationProblems(undefined, config)).toEqual(['observation: expected an object, got nothing (undefined)']);
    expect(xenStepResultProblems({ outcome: 'refused', code: 'balloon/oops', message: 'x', effects: [{ kind: 'buffer-queued', guest: 0 }] })).toEqual([
      'result.code: expected a known error code (core/xen/errors.ts), got the string "balloon/oops"',
      'result.effects[0].kind: expected a known effect kind (core/xen/effects.ts), got the string "buffer-queued"',
    ]);
  });
});
