/**
 * The one definition of an observation's shape (core/observation.ts) for a configuration, as a
 * zod schema: which fields, their types, the length of every per-frame and per-gpfn array. The
 * virtio words in it (features, queues, origins, counters) come from core/virtio/schema.ts, the
 * same schemas the trace format uses.
 *
 * The guard does not run this schema on every step: core/virtio/observation-shape.ts is a hand-written walk of
 * the same shape, reading its field lists from these schemas, measured 28 to 42 times faster at
 * every size from 2^10 to 2^20 frames (bench/observation-shape.ts, bench/OBSERVATION-SHAPE.md); a test holds the two to
 * the same verdict on valid and broken observations (test/adapters/observation-schema.test.ts).
 *
 * @example
 *   observationSchema(config).safeParse(sys.observe()).success // true for a well-formed one
 */
import { z } from 'zod';
import { gpfnSpace, type GuestConfig, type SystemConfig } from '../core/virtio/index.ts';
import { BufferOriginSchema, FeaturesSchema, GuestCountsSchema, QueueSchema } from '../core/virtio/schema.ts';

const whole = z.number().int().min(0);
const u32 = z.number().int().min(0).max(2 ** 32 - 1);

/** A typed array of exactly `length` entries (an Int32Array is not a plain array of numbers). */
const typed = <T extends typeof Int32Array | typeof Uint8Array>(type: T, length: number) =>
  z.instanceof(type).refine((a) => a.length === length, `expected ${type.name} of length ${length}`);

export const BufferObservationSchema = z.object({
  id: whole, queue: QueueSchema, origin: BufferOriginSchema, gpfns: z.array(u32), acked: z.boolean(),
  // A stats buffer's payload (core/virtio/stats.ts), when the implementation shows it.
  bytes: z.array(z.number().int().min(0).max(255)).optional(),
});

function guestSchema(g: GuestConfig) {
  const space = gpfnSpace(g);
  return z.object({
    target: whole,
    actual: whole,
    // As loose as every other object of an observation (a trace's configuration is strict).
    features: z.object(FeaturesSchema.shape),
    p2m: typed(Int32Array, space),
    dmaView: g.assignedDevice ? typed(Int32Array, space) : z.null(),
    pageState: typed(Uint8Array, space),
    hostBallooned: typed(Uint8Array, space),
    inflight: z.array(BufferObservationSchema),
    counts: GuestCountsSchema,
  });
}

/** The schema of an observation of a system built from `config`. */
export function observationSchema(config: SystemConfig) {
  return z.object({
    host: z.object({
      totalFrames: z.literal(config.hostFrames),
      reservedFrames: z.literal(config.reservedFrames),
      freeFrames: whole,
      owner: typed(Int32Array, config.hostFrames),
      ownerGpfn: typed(Int32Array, config.hostFrames),
    }),
    guests: z.tuple(config.guests.map(guestSchema) as [ReturnType<typeof guestSchema>, ...ReturnType<typeof guestSchema>[]]),
  });
}
