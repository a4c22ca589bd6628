/**
 * The virtio words that traces and observations share, as zod schemas: the one definition of
 * the feature bits, the queue names, who queued a buffer, and the driver's page counters. The
 * trace format (format.ts: a configuration's features, a `device` command's queue), the check of
 * a user's step results (adapters/step-schema.ts) and of its observations
 * (adapters/observation-schema.ts, adapters/shape.ts) are built from these, and a test holds
 * them to core's types (test/adapters/observation-schema.test.ts).
 */
import { z } from 'zod';

/** The feature bits the model knows (VIRTIO 1.x 5.5.3): core/config.ts `VirtioFeatures`. */
export const FeaturesSchema = z.strictObject({ mustTellHost: z.boolean(), statsVq: z.boolean(), deflateOnOom: z.boolean() });

/** The three virtqueues (VIRTIO 1.x 5.5.2): core/commands.ts `QueueName`. */
export const QueueSchema = z.enum(['inflate', 'deflate', 'stats']);

/** Who put a buffer on a queue: core/effects.ts `BufferOrigin`. */
export const BufferOriginSchema = z.enum(['driver', 'oom', 'hostile']);

/** The driver's counters, in gpfns: core/observation.ts `GuestCounts`. */
export const GuestCountsSchema = z.object({
  free: z.number().int().min(0), used: z.number().int().min(0), inflating: z.number().int().min(0),
  ballooned: z.number().int().min(0), deflating: z.number().int().min(0),
});
