import { decodeStats, STAT_TAGS, STATS_ENTRY_BYTES, tagName, type BufferObservation } from '../../core/virtio/index.ts';
import { forkable, type Violation } from '../property.ts';
import type { VirtioProperty } from './property.ts';

/** Bytes in a 4 KiB gpfn: the unit of ramPages. */
const GPFN_BYTES = 4096n;

/**
 * What the driver writes into a stats buffer (VIRTIO 1.2 5.5.6.3.1), judged from the bytes
 * themselves when the device takes the buffer (every buffer the device uses, the first one posted
 * at probe included):
 *
 * - statement 29: a whole number of entries, each a packed le16 tag and le64 value (10 bytes; the
 *   text's "multiple of 6 bytes" is an erratum);
 * - statement 28: one entry for each statistic the driver supports, so no tag twice; and the
 *   entry's value is the statistic in the field's format, so a figure of guest memory in bytes
 *   (MEMFREE, MEMTOT, AVAIL, CACHES) is at most the guest's memory: a value in the wrong byte order
 *   is not;
 * - statement 32: the same set of tags in every buffer, from the probe (or the reload after a
 *   reset, which starts a new driver) on;
 * - statements 30 and 31 are MAYs: any order and any subset are accepted, under every profile
 *   (test/fixtures/legit-drivers/stats-subset.ts).
 *
 * Hostile buffers are the hostile peer's, not the driver's, and are not judged; nor is a buffer
 * whose implementation does not show its payload (`bytes` absent).
 */
export const statsEntries: VirtioProperty = {
  name: 'stats-entries',
  kind: 'always',
  doc: 'every stats buffer holds whole 10-byte entries, one per statistic, values in the le64 format, the same set of tags each time',
  refs: 'VIRTIO 1.2 5.5.6.3 (struct virtio_balloon_stat) and 5.5.6.3.1, statements 28-32 (docs/virtio-spec.md); Linux update_balloon_stats',
  monitor: (config) => {
    const memBytes = config.guests.map((g) => BigInt(g.ramPages) * GPFN_BYTES);
    // Per guest: the tags of the first judged buffer since the probe or the last reset, sorted, or ''.
    return forkable({ subset: config.guests.map(() => '') }, ({ subset }) => ({
      interests: ['buffer-processed', 'reset'],
      step({ obs, result }) {
        for (const e of result.effects) {
          if (e.kind === 'reset') { subset[e.guest] = ''; continue; }
          if (e.kind !== 'buffer-processed' || e.queue !== 'stats') continue;
          const b = obs.guests[e.guest]?.inflight.find((x) => x.id === e.id);
          if (!b || b.origin === 'hostile' || !b.bytes) continue;
          const v = judge(e.guest, b, memBytes[e.guest], subset);
          if (v) return v;
        }
        return null;
      },
    }));
  },
};

function judge(guest: number, b: BufferObservation, memBytes: bigint, subset: string[]): Violation | null {
  const bytes = b.bytes ?? [];
  const where = `guest ${guest}'s stats buffer #${b.id}`;
  if (bytes.length % STATS_ENTRY_BYTES !== 0) {
    return { message: `${where} is ${bytes.length} bytes, not a whole number of 10-byte entries (le16 tag, le64 value): the driver must size it as a multiple of the entry (VIRTIO 1.2 5.5.6.3.1, statement 29)`, guest };
  }
  const { entries } = decodeStats(bytes);
  const seen = new Set<number>();
  for (const x of entries) {
    if (seen.has(x.tag)) return { message: `${where} holds ${tagName(x.tag)} twice: the driver writes one entry for each statistic it supports (VIRTIO 1.2 5.5.6.3.1, statement 28)`, guest };
    seen.add(x.tag);
    if (STAT_TAGS.find((t) => t.tag === x.tag)?.memory && x.value > memBytes) {
      return { message: `${where} gives ${tagName(x.tag)} as ${x.value} bytes, more than the guest's ${memBytes} bytes of memory: the value is not the statistic as a le64 (a big-endian value on a VIRTIO 1.x device?) (VIRTIO 1.2 5.5.6.3, statement 28)`, guest };
    }
  }
  const tags = [...seen].sort((x, y) => x - y).map(String).join(',');
  if (subset[guest] === '') { subset[guest] = `[${tags}]`; return null; }
  if (subset[guest] !== `[${tags}]`) {
    return { message: `${where} reports the statistics [${tags}], but the first buffer since the driver started reported ${subset[guest]}: the driver must supply the same subset in every buffer (VIRTIO 1.2 5.5.6.3.1, statement 32)`, guest };
  }
  return null;
}
