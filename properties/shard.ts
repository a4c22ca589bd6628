/**
 * How a long campaign (`balloon campaign`) is cut into units of work, so that any number of
 * worker threads and any number of shards run exactly the same cases as one process does.
 *
 * A unit is a block of `chunk` runs of one family, numbered `u = 0, 1, 2, …`: families take turns
 * (u mod F is the family, ⌊u / F⌋ its block), so a campaign cut short by a time budget has worked
 * on every family alike. A unit's seed follows from the campaign's seed, the family's name and the
 * block alone (`unitSeed`), never from the order units ran in, which worker ran them or what ran
 * before: a unit is the same campaign (properties/campaign.ts) wherever it runs. Shard I of N
 * takes the units `shardOf(u, N) = I - 1`, a rotation that gives every shard exactly one unit of
 * each N consecutive ones, so shards stay balanced when N and the number of families share a
 * factor (plain u mod N would give all of one family to one shard).
 *
 * Pure: no clock, no randomness; the plan is data.
 */

export interface Shard {
  /** 1-based, as `--shard I/N` writes it. */
  index: number;
  count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

export interface Unit {
  /** The unit's number in the whole campaign (every shard numbers alike). */
  unit: number;
  family: string;
  /** Which block of the family's runs: its runs are `block * chunk` onwards. */
  block: number;
  /** The fast-check seed of the unit's campaign. */
  seed: number;
  /** Cases the unit runs: `chunk`, or what is left of a run budget for the last block. */
  runs: number;
}

export interface Plan {
  seed: number;
  families: readonly string[];
  chunk: number;
  /** Runs per family, or null for a campaign bounded by time only (units without end). */
  runsPerFamily: number | null;
  shard: Shard;
}

/**
 * `I/N` with 1 ≤ I ≤ N: the shard, or an Error whose message says what is wrong.
 *
 * @example parseShard('2/4') // { index: 2, count: 4 }
 */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!m) throw new Error(`expected I/N (shard I of N, for example 1/4), got ${JSON.stringify(text)}`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new Error(`shard ${index} of ${count} does not exist: I must be 1 to N`);
  return { index, count };
}

/**
 * A unit's seed: FNV-1a (32-bit) of the campaign seed, family and block, kept in fast-check's
 * range [0, 2^31). Units of one campaign get unrelated seeds, so the rounds a unit adds after a
 * failure (seed + 1, + 2: properties/campaign.ts) do not replay a neighbour's cases.
 */
export function unitSeed(seed: number, family: string, block: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${family}/${block}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h & 0x7fffffff;
}

/** The shard (0-based) that runs unit `u` when the campaign is cut into `count` shards. */
export function shardOf(u: number, count: number): number {
  return (u + Math.floor(u / count)) % count;
}

/** Units in the whole campaign, or null when it is bounded by time only. */
export function totalUnits(p: Pick<Plan, 'families' | 'chunk' | 'runsPerFamily'>): number | null {
  if (p.runsPerFamily === null) return null;
  return p.families.length * Math.ceil(p.runsPerFamily / p.chunk);
}

/** Unit `u` of the whole campaign. */
export function unitAt(p: Plan, u: number): Unit {
  const family = p.families[u % p.families.length];
  const block = Math.floor(u / p.families.length);
  const runs = p.runsPerFamily === null ? p.chunk : Math.min(p.chunk, p.runsPerFamily - block * p.chunk);
  return { unit: u, family, block, seed: unitSeed(p.seed, family, block), runs };
}

/**
 * The units of the plan's shard, in order; endless for a campaign bounded by time only.
 *
 * @example
 *   [...shardUnits({ seed: 1, families: ['virtio', 'xen'], chunk: 100, runsPerFamily: 250, shard: WHOLE })].length // 6
 */
export function* shardUnits(p: Plan): Generator<Unit, void, void> {
  const total = totalUnits(p);
  for (let u = 0; total === null || u < total; u++) {
    if (shardOf(u, p.shard.count) === p.shard.index - 1) yield unitAt(p, u);
  }
}

/**
 * How many units and runs the plan's shard holds under a run budget (null under a time budget),
 * counted without listing them: a budget of a billion runs in units of one has a billion units.
 */
export function shardSize(p: Plan): { units: number; runs: number } | null {
  const total = totalUnits(p);
  if (total === null || p.runsPerFamily === null) return null;
  const { count } = p.shard;
  const mine = p.shard.index - 1;
  // Every whole group of `count` units gives each shard one; in the last, shorter group of k
  // units (u = g·count + i, i < k) unit i goes to shard (g + i) mod count.
  const g = Math.floor(total / count);
  const k = total % count;
  const units = g + (((mine - g) % count + count) % count < k ? 1 : 0);
  // Every unit runs `chunk` but each family's last block, which runs what is left.
  const blocks = total / p.families.length;
  const last = p.runsPerFamily - (blocks - 1) * p.chunk;
  let runs = units * p.chunk;
  for (let f = 0; f < p.families.length; f++) {
    if (shardOf((blocks - 1) * p.families.length + f, count) === mine) runs -= p.chunk - last;
  }
  return { units, runs };
}
