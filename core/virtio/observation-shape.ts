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
import { Problems } from '../shape.ts';
import { gpfnSpace, type SystemConfig } from './index.ts';
import { BufferOriginSchema, FeaturesSchema, GuestCountsSchema, QueueSchema } from './schema.ts';

// The words are read from the schemas that define them (core/virtio/schema.ts), never restated.
const QUEUES: readonly string[] = QueueSchema.options;
const ORIGINS: readonly string[] = BufferOriginSchema.options;
const FEATURES = FeaturesSchema.keyof().options;
const COUNTS = GuestCountsSchema.keyof().options;
/** Why `obs` is not an observation of a system built from `config`; empty when it is one. */
export function observationProblems(obs: unknown, config: SystemConfig): string[] {
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
    if (p.object(`${at}.features`, g.features)) {
      for (const f of FEATURES) {
        if (typeof g.features[f] !== 'boolean') p.add(`${at}.features.${f}`, 'a boolean', g.features[f]);
      }
    }
    p.typed(`${at}.p2m`, g.p2m, Int32Array, space);
    if (cfg.assignedDevice) p.typed(`${at}.dmaView`, g.dmaView, Int32Array, space);
    else if (g.dmaView !== null) p.add(`${at}.dmaView`, 'null (the guest has no assigned device)', g.dmaView);
    p.typed(`${at}.pageState`, g.pageState, Uint8Array, space);
    p.typed(`${at}.hostBallooned`, g.hostBallooned, Uint8Array, space);
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
