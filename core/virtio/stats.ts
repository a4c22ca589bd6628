/**
 * The payload of a stats buffer (VIRTIO 1.2 5.5.6.3): a run of entries, each a le16 tag and a le64
 * value, packed (10 bytes; the text's "multiple of 6 bytes" is an erratum, review statement 29).
 * A buffer crosses the queue as its bytes, so a malformed length, a repeated tag or a value in the
 * wrong byte order is expressible, and the checkers decode it themselves rather than trust either
 * side's reading of it.
 *
 * Values are 64-bit; they travel as bigint inside this file and as decimal strings in effects (a
 * trace is JSON), so a big-endian value 2^40 times too large is kept exactly.
 */

/** Bytes of one entry: le16 tag, le64 val, packed (VIRTIO 1.2 5.5.6.3, struct virtio_balloon_stat). */
export const STATS_ENTRY_BYTES = 10;

/**
 * The tags VIRTIO 1.2 5.5.6.3 defines (0-9), then the six Linux 6.12 added to its header and sends
 * (10-15, VIRTIO_BALLOON_S_OOM_KILL to S_DIRECT_RECLAIM). `bytes`: the value is an amount of guest
 * memory in bytes, so it cannot exceed the guest's memory (the swap counters are cumulative bytes
 * moved and have no such bound).
 */
export const STAT_TAGS: readonly { tag: number; name: string; memory: boolean }[] = [
  { tag: 0, name: 'SWAP_IN', memory: false }, { tag: 1, name: 'SWAP_OUT', memory: false },
  { tag: 2, name: 'MAJFLT', memory: false }, { tag: 3, name: 'MINFLT', memory: false },
  { tag: 4, name: 'MEMFREE', memory: true }, { tag: 5, name: 'MEMTOT', memory: true },
  { tag: 6, name: 'AVAIL', memory: true }, { tag: 7, name: 'CACHES', memory: true },
  { tag: 8, name: 'HTLB_PGALLOC', memory: false }, { tag: 9, name: 'HTLB_PGFAIL', memory: false },
  { tag: 10, name: 'OOM_KILL', memory: false }, { tag: 11, name: 'ALLOC_STALL', memory: false },
  { tag: 12, name: 'ASYNC_SCAN', memory: false }, { tag: 13, name: 'DIRECT_SCAN', memory: false },
  { tag: 14, name: 'ASYNC_RECLAIM', memory: false }, { tag: 15, name: 'DIRECT_RECLAIM', memory: false },
];

/**
 * The tags the reference device knows: those of VIRTIO 1.2 (0-9), as a QEMU built before its header
 * gained Linux 6.12's tags (`tag < VIRTIO_BALLOON_S_NR` in virtio_balloon_receive_stats). Linux's
 * tags 10-15 are unknown to it, so every buffer of the reference driver exercises statement 33.
 */
export const DEVICE_KNOWN_TAGS = 10;

/** A statistic's name, for messages: `MEMFREE (4)`, or `tag 77` for one nobody defines. */
export function tagName(tag: number): string {
  const t = STAT_TAGS.find((x) => x.tag === tag);
  return t ? `${t.name} (${tag})` : `tag ${tag}`;
}

/** One decoded entry; `value` is the le64 as read. */
export interface StatEntry { tag: number; value: bigint }
/** What a device recorded of one entry: the value as a decimal string (JSON holds no u64). */
export interface StatRecord { tag: number; value: string }

/** Encode entries as a modern (VIRTIO 1.x) driver does: le16 tag, le64 value, packed. */
export function encodeStats(entries: readonly StatEntry[]): number[] {
  const out: number[] = [];
  for (const e of entries) {
    out.push(e.tag & 0xff, (e.tag >> 8) & 0xff);
    // The le64 as two 32-bit halves: two BigInt operations per entry instead of sixteen (a stats
    // buffer is encoded on every statistics request).
    const lo = Number(e.value & 0xffffffffn);
    const hi = Number((e.value >> 32n) & 0xffffffffn);
    out.push(lo & 0xff, (lo >>> 8) & 0xff, (lo >>> 16) & 0xff, lo >>> 24, hi & 0xff, (hi >>> 8) & 0xff, (hi >>> 16) & 0xff, hi >>> 24);
  }
  return out;
}

/** The little-endian u32 at `from` (each byte taken mod 256, as a byte buffer holds it). */
const le32 = (bytes: readonly number[], from: number): number =>
  ((bytes[from] & 0xff) | ((bytes[from + 1] & 0xff) << 8) | ((bytes[from + 2] & 0xff) << 16)) + (bytes[from + 3] & 0xff) * 2 ** 24;

/**
 * Decode a stats buffer as a modern device reads it: whole 10-byte entries, little-endian. A
 * trailing part of an entry is returned as `rest` (QEMU's loop stops when a whole entry no longer
 * fits), so the caller decides what a malformed length means.
 */
export function decodeStats(bytes: readonly number[]): { entries: StatEntry[]; rest: number } {
  const entries: StatEntry[] = [];
  let at = 0;
  for (; at + STATS_ENTRY_BYTES <= bytes.length; at += STATS_ENTRY_BYTES) {
    const tag = bytes[at] | (bytes[at + 1] << 8);
    entries.push({ tag, value: (BigInt(le32(bytes, at + 6)) << 32n) | BigInt(le32(bytes, at + 2)) });
  }
  return { entries, rest: bytes.length - at };
}
