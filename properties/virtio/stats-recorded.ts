import { decodeStats, profileOf, STATS_ENTRY_BYTES, tagName } from '../../core/virtio/index.ts';
import { forkable } from '../property.ts';
import type { VirtioProperty } from './property.ts';

/** The tags VIRTIO 1.2 5.5.6.3 defines (VIRTIO_BALLOON_S_SWAP_IN 0 to S_HTLB_PGFAIL 9). */
const SPEC_TAGS = 10;

/**
 * What the device does with a stats buffer (VIRTIO 1.2 5.5.6.3.2): it ignores an entry whose tag
 * it does not recognise and goes on (statement 33), and takes the entries in whatever order they
 * come (statement 34). So, of a well-formed buffer (whole entries, no tag twice: the driver's part,
 * stats-entries), the device records exactly the entries whose tags it recognises, each with the
 * value the driver wrote, and nothing the buffer does not hold.
 *
 * Which tags a device recognises is its own: under `spec` they are those it has shown it knows by
 * recording them from some buffer of this run; under `linux` and `firecracker` also every tag
 * VIRTIO 1.2 defines (0-9), as QEMU's virtio_balloon_receive_stats keeps every tag below its
 * VIRTIO_BALLOON_S_NR and Firecracker's device parses the same ten. A device that discards a buffer
 * for an unknown tag, or stops at an entry out of order, loses a statistic it knows.
 */
export const statsRecorded: VirtioProperty = {
  name: 'stats-recorded',
  kind: 'always',
  doc: 'the device records every entry of a stats buffer whose tag it knows, with the value sent, in any order, skipping unknown tags',
  refs: 'VIRTIO 1.2 5.5.6.3.2, statements 33 and 34 (docs/virtio-spec.md); QEMU virtio_balloon_receive_stats',
  monitor: (config) => {
    const narrowed = profileOf(config) !== 'spec';
    // Per guest: the tags the device has recorded in this run (those it recognises, by its own showing).
    return forkable({ known: config.guests.map(() => new Set<number>()) }, ({ known }) => ({
      interests: ['buffer-processed'],
      step({ obs, result }) {
        for (const e of result.effects) {
          if (e.kind !== 'buffer-processed' || e.queue !== 'stats') continue;
          const b = obs.guests[e.guest]?.inflight.find((x) => x.id === e.id);
          if (!b?.bytes) continue;
          const where = `guest ${e.guest}'s device, on stats buffer #${e.id},`;
          const { entries } = decodeStats(b.bytes);
          const sent = new Map(entries.map((x) => [x.tag, x.value.toString()]));
          // A malformed buffer (a part of an entry, a tag twice) is the driver's fault (stats-entries); what the device makes of it is not judged.
          if (b.bytes.length % STATS_ENTRY_BYTES !== 0 || sent.size !== entries.length) continue;
          const got = e.stats ?? [];
          for (const r of got) {
            if (sent.get(r.tag) !== r.value) {
              return { message: `${where} recorded ${tagName(r.tag)} as ${r.value}, but the buffer ${sent.has(r.tag) ? `gives ${sent.get(r.tag)}` : 'holds no such entry'} (VIRTIO 1.2 5.5.6.3.2)`, guest: e.guest };
            }
            known[e.guest].add(r.tag);
          }
          const recorded = new Set(got.map((r) => r.tag));
          for (const x of entries) {
            const knows = known[e.guest].has(x.tag) || (narrowed && x.tag < SPEC_TAGS);
            if (!knows || recorded.has(x.tag)) continue;
            const others = entries.filter((y) => !known[e.guest].has(y.tag) && !(narrowed && y.tag < SPEC_TAGS)).map((y) => tagName(y.tag));
            const why = narrowed && x.tag < SPEC_TAGS ? 'a tag VIRTIO 1.2 defines, which QEMU and Firecracker record' : 'a tag it recorded before';
            return {
              message: `${where} did not record ${tagName(x.tag)} (${why}), at position ${entries.indexOf(x) + 1} of ${entries.length}${others.length > 0 ? `, beside tags it does not know (${others.join(', ')})` : ''}: the device must ignore only unknown tags and take the entries in any order (VIRTIO 1.2 5.5.6.3.2, statements 33 and 34)`,
              guest: e.guest,
            };
          }
        }
        return null;
      },
    }));
  },
};
