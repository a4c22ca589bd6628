/**
 * Is a virtio observation shaped as core/virtio/observation.ts says, for this configuration? (Step results:
 * step-shape.ts.) The shape is observationSchema's (adapters/observation-schema.ts), the one definition;
 * this is a hand-written walk of it, because it runs after every step of a user's implementation
 * and is measured faster than the schema (bench/OBSERVATION-SHAPE.md), and a test holds the two
 * to the same verdict. A user's implementation is foreign code: before any property reads
 * `guests[0].p2m[17]`, this says in one line which field is missing or malformed, instead of a
 * TypeError deep inside a checker. Cost: O(guests + buffers in flight), never O(memory): it looks
 * at types and lengths, not at every entry, so the guard can run it after every step.
 *
 * @example
 *   observationProblems(sys.observe(), config)
 *   // ['guests[0].p2m: expected Int32Array of length 64, got Array of length 64']
 */
import { Problems, views, worldObservationProblems } from '../shape.ts';
import type { SystemConfig } from './index.ts';
import { BufferOriginSchema, FeaturesSchema, GuestCountsSchema, QueueSchema } from './schema.ts';

// The words are read from the schemas that define them (core/virtio/schema.ts), never restated.
const QUEUES: readonly string[] = QueueSchema.options;
const ORIGINS: readonly string[] = BufferOriginSchema.options;
const FEATURES = FeaturesSchema.keyof().options;
const COUNTS = GuestCountsSchema.keyof().options;
const OPTIONAL_FEATURES = new Set<string>(FEATURES.filter((f) => FeaturesSchema.shape[f].safeParse(undefined).success));
/** Why `obs` is not an observation of a system built from `config`; empty when it is one. */
export function observationProblems(obs: unknown, config: SystemConfig): string[] {
  const p = new Problems();
  worldObservationProblems(p, obs, config, (g, at, cfg, space) => {
    if (p.object(`${at}.features`, g.features)) {
      for (const f of FEATURES) {
        // The bits added after the first three may be absent (not negotiated).
        if (typeof g.features[f] !== 'boolean' && !(OPTIONAL_FEATURES.has(f) && g.features[f] === undefined)) p.add(`${at}.features.${f}`, 'a boolean', g.features[f]);
      }
    }
    views(p, at, g, space, cfg.assignedDevice ? null : 'the guest has no assigned device');
    if (!Array.isArray(g.inflight)) p.add(`${at}.inflight`, 'an Array of buffers', g.inflight);
    // By index, not forEach, which skips the holes of a sparse array (a hole is a missing buffer).
    else for (let j = 0; j < g.inflight.length && !p.full; j++) {
      const b: unknown = g.inflight[j];
      const bt = `${at}.inflight[${j}]`;
      if (!p.object(bt, b)) continue;
      p.whole(`${bt}.id`, b.id);
      if (!QUEUES.includes(b.queue as string)) p.add(`${bt}.queue`, `one of ${QUEUES.join(', ')}`, b.queue);
      if (!ORIGINS.includes(b.origin as string)) p.add(`${bt}.origin`, `one of ${ORIGINS.join(', ')}`, b.origin);
      if (!Array.isArray(b.gpfns)) p.add(`${bt}.gpfns`, 'an Array of gpfns', b.gpfns);
      else {
        const k = (b.gpfns as unknown[]).findIndex((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1);
        if (k >= 0) p.add(`${bt}.gpfns[${k}]`, 'a whole number from 0 to 4294967295', (b.gpfns as unknown[])[k]);
      }
      if (typeof b.acked !== 'boolean') p.add(`${bt}.acked`, 'a boolean', b.acked);
    }
    if (p.object(`${at}.counts`, g.counts)) {
      for (const k of COUNTS) p.whole(`${at}.counts.${k}`, g.counts[k]);
    }
  });
  return p.list;
}
