/**
 * Is an observation shaped as core/virtio/observation.ts says, for this configuration? (Step results:
 * step-shape.ts.) A user's implementation is foreign code: before any property reads
 * `guests[0].p2m[17]`, this says in one line which field is missing or malformed, instead of a
 * TypeError deep inside a checker. Cost: O(guests + buffers in flight), never O(memory): it looks
 * at types and lengths, not at every entry, so the guard can run it after every step.
 *
 * @example
 *   observationProblems(sys.observe(), config)
 *   // ['guests[0].p2m: expected Int32Array of length 64, got Array of length 64']
 */
import { gpfnSpace, type SystemConfig } from '../core/virtio/index.ts';

const QUEUES = ['inflate', 'deflate', 'stats'];
const ORIGINS = ['driver', 'oom', 'hostile'];
/** Stop after this many problems: the first few say what is wrong; the rest are noise. */
const MAX_PROBLEMS = 8;

/** A short description of a value's type, for "expected X, got Y". */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `${v.constructor.name} of length ${(v as unknown as ArrayLike<unknown>).length}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return typeof v === 'undefined' ? 'nothing (undefined)' : `a ${typeof v}`;
}

type Typed = typeof Int32Array | typeof Uint8Array;

/** Problems found so far, at most MAX_PROBLEMS. @internal (shared with step-shape.ts) */
export class Problems {
  readonly list: string[] = [];
  get full(): boolean { return this.list.length >= MAX_PROBLEMS; }
  add(at: string, expected: string, got: unknown): void {
    if (!this.full) this.list.push(`${at}: expected ${expected}, got ${describeValue(got)}`);
  }
  object(at: string, v: unknown): v is Record<string, unknown> {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return true;
    this.add(at, 'an object', v);
    return false;
  }
  whole(at: string, v: unknown, exactly?: number): void {
    if (exactly !== undefined && v !== exactly) this.add(at, `the number ${exactly}`, v);
    else if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.add(at, 'a whole number', v);
  }
  typed(at: string, v: unknown, type: Typed, length: number): void {
    if (!(v instanceof type) || v.length !== length) this.add(at, `${type.name} of length ${length}`, v);
  }
}

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
      for (const f of ['mustTellHost', 'statsVq', 'deflateOnOom'] as const) {
        if (typeof g.features[f] !== 'boolean') p.add(`${at}.features.${f}`, 'a boolean', g.features[f]);
      }
    }
    p.typed(`${at}.p2m`, g.p2m, Int32Array, space);
    if (cfg.assignedDevice) p.typed(`${at}.dmaView`, g.dmaView, Int32Array, space);
    else if (g.dmaView !== null) p.add(`${at}.dmaView`, 'null (the guest has no assigned device)', g.dmaView);
    p.typed(`${at}.pageState`, g.pageState, Uint8Array, space);
    p.typed(`${at}.hostBallooned`, g.hostBallooned, Uint8Array, space);
    if (!Array.isArray(g.inflight)) p.add(`${at}.inflight`, 'an Array of buffers', g.inflight);
    else g.inflight.forEach((b: unknown, j: number) => {
      const bt = `${at}.inflight[${j}]`;
      if (p.full || !p.object(bt, b)) return;
      p.whole(`${bt}.id`, b.id);
      if (!QUEUES.includes(b.queue as string)) p.add(`${bt}.queue`, `one of ${QUEUES.join(', ')}`, b.queue);
      if (!ORIGINS.includes(b.origin as string)) p.add(`${bt}.origin`, `one of ${ORIGINS.join(', ')}`, b.origin);
      if (!Array.isArray(b.gpfns)) p.add(`${bt}.gpfns`, 'an Array of gpfns', b.gpfns);
      else {
        const k = (b.gpfns as unknown[]).findIndex((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1);
        if (k >= 0) p.add(`${bt}.gpfns[${k}]`, 'a whole number from 0 to 4294967295', (b.gpfns as unknown[])[k]);
      }
      if (typeof b.acked !== 'boolean') p.add(`${bt}.acked`, 'a boolean', b.acked);
    });
    if (p.object(`${at}.counts`, g.counts)) {
      for (const k of ['free', 'used', 'inflating', 'ballooned', 'deflating'] as const) p.whole(`${at}.counts.${k}`, g.counts[k]);
    }
  });
  return p.list;
}
