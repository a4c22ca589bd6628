// The observation's shape is defined once, as a zod schema (adapters/observation-schema.ts); the
// guard runs a hand-written walk of it (adapters/shape.ts) because it is faster. The two must
// give the same verdict on every observation, well-formed or broken.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guestConfig, guestId, systemConfig, type Command } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import { observationSchema } from '../../adapters/observation-schema.ts';
import { observationProblems } from '../../adapters/shape.ts';
import { BufferOriginSchema, FeaturesSchema, GuestCountsSchema, QueueSchema } from '../../core/virtio/schema.ts';
import type { BufferObservation, GuestCounts, QueueName, VirtioFeatures } from '../../core/virtio/index.ts';

const config = systemConfig({
  guests: [guestConfig({ ramPages: 64 }), guestConfig({ ramPages: 48, holeStart: 32, holePages: 8, assignedDevice: true })],
});
const schema = observationSchema(config);

/** A reference observation after a few commands, copied so that it can be broken. */
function observed(commands: readonly Command[] = []) {
  const sys = createReferenceSystem(config);
  for (const c of commands) sys.apply(c);
  const o = sys.observe();
  return {
    host: { ...o.host, owner: o.host.owner.slice(), ownerGpfn: o.host.ownerGpfn.slice() },
    guests: o.guests.map((g) => ({ ...g, features: { ...g.features }, counts: { ...g.counts }, inflight: g.inflight.map((b) => ({ ...b, gpfns: [...b.gpfns] })) })),
  };
}
const MID_INFLATE: Command[] = [
  { kind: 'set-target', guest: guestId(1), pages: 8 },
  { kind: 'driver', guest: guestId(1) },
];

const agree = (obs: unknown) => {
  const hand = observationProblems(obs, config);
  const zod = schema.safeParse(obs).success;
  expect(hand.length === 0, `hand-written: ${hand.join('; ') || 'ok'}; zod: ${zod ? 'ok' : 'refused'}`).toBe(zod);
  return zod;
};

/** Where to break an observation: a path into it. */
const PATHS: (string | number)[][] = [
  ['host'], ['host', 'totalFrames'], ['host', 'reservedFrames'], ['host', 'freeFrames'], ['host', 'owner'], ['host', 'ownerGpfn'],
  ['guests'], ['guests', 0], ['guests', 1, 'target'], ['guests', 0, 'actual'], ['guests', 1, 'features'], ['guests', 0, 'features', 'statsVq'],
  ['guests', 0, 'p2m'], ['guests', 0, 'dmaView'], ['guests', 1, 'dmaView'], ['guests', 1, 'pageState'], ['guests', 0, 'hostBallooned'],
  ['guests', 1, 'inflight'], ['guests', 1, 'inflight', 0], ['guests', 1, 'inflight', 0, 'id'], ['guests', 1, 'inflight', 0, 'queue'],
  ['guests', 1, 'inflight', 0, 'origin'], ['guests', 1, 'inflight', 0, 'gpfns'], ['guests', 1, 'inflight', 0, 'gpfns', 0],
  ['guests', 1, 'inflight', 0, 'acked'], ['guests', 0, 'counts'], ['guests', 1, 'counts', 'ballooned'],
];
const VALUES: unknown[] = [
  undefined, null, 0, 7, -1, 1.5, 2 ** 53, 2 ** 32, Number.NaN, 'x', 'inflate', 'hostile', true, [], {}, [1, 2],
  new Int32Array(3), new Int32Array(64), new Int32Array(56), new Int32Array(112), new Uint8Array(64), new Uint8Array(56),
];

function broken(path: (string | number)[], value: unknown) {
  const obs = observed(MID_INFLATE) as unknown as Record<string | number, unknown>;
  let at: Record<string | number, unknown> = obs;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (value === undefined) delete at[last]; else at[last] = value;
  return obs;
}

describe('observationSchema and the hand-written walk', () => {
  it('both accept what the reference implementation observes, idle and mid-inflate', () => {
    expect(agree(observed())).toBe(true);
    expect(agree(observed(MID_INFLATE))).toBe(true);
  });

  it('give the same verdict on any one field broken, and refuse the plainly wrong', () => {
    let refused = 0;
    fc.assert(fc.property(fc.constantFrom(...PATHS), fc.constantFrom(...VALUES), (path, value) => {
      if (!agree(broken(path, value))) refused++;
    }), { numRuns: 400 });
    expect(refused).toBeGreaterThan(100);
    for (const [path, value] of [[['host', 'owner'], [1, 2]], [['guests', 0, 'p2m'], new Int32Array(3)], [['guests', 1, 'inflight', 0, 'queue'], 'inflat'],
      [['guests', 0, 'counts', 'used'], 2 ** 53], [['guests', 0, 'dmaView'], new Int32Array(64)], [['guests'], []]] as const) {
      expect(agree(broken([...path], value)), path.join('.')).toBe(false);
    }
  });

  it('read the same virtio words as core: features, queues, origins, counters', () => {
    const features: (keyof VirtioFeatures)[] = FeaturesSchema.keyof().options;
    const queues: QueueName[] = QueueSchema.options;
    const origins: BufferObservation['origin'][] = BufferOriginSchema.options;
    const counts: (keyof GuestCounts)[] = GuestCountsSchema.keyof().options;
    expect([features, queues, origins, counts]).toEqual([
      ['mustTellHost', 'statsVq', 'deflateOnOom', 'pagePoison', 'pageReporting', 'freePageHint'], ['inflate', 'deflate', 'stats', 'reporting'], ['driver', 'oom', 'hostile'],
      ['free', 'used', 'inflating', 'ballooned', 'deflating'],
    ]);
  });
});
