/**
 * The stats queue's payload (VIRTIO 1.2 5.5.6.3, statements 28-34): the wire format round-trips;
 * the reference (Linux's sixteen tags over a device that knows VIRTIO 1.2's ten) keeps both
 * properties under every profile; each stats fault of the zoo is found at 20 of 20 seeds by the
 * general property list, by a property its entry names. The MAYs (30, 31) are
 * test/properties/legit-drivers.test.ts's stats-subset driver.
 */
import { describe, expect, it } from 'vitest';
import { decodeStats, encodeStats } from '../../core/virtio/index.ts';
import { FAULTS, referenceWithFaults, createReferenceSystem, type FaultName } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { statsEntries } from '../../properties/virtio/stats-entries.ts';
import { statsRecorded } from '../../properties/virtio/stats-recorded.ts';

const seed = Number(process.env.FC_SEED ?? 42);
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const STATS_FAULTS: FaultName[] = ['stats-tag-twice', 'stats-six-byte-entries', 'stats-big-endian', 'stats-subset-changes', 'stats-unknown-tag-rejects', 'stats-in-order-only'];

describe('stats entries on the wire', () => {
  it('encode packs le16 tag and le64 value in 10 bytes, and decode reads them back', () => {
    const bytes = encodeStats([{ tag: 5, value: 0x0102030405060708n }, { tag: 0x8000, value: 2n ** 64n - 1n }]);
    expect(bytes.slice(0, 10)).toEqual([5, 0, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(bytes).toHaveLength(20);
    expect(decodeStats(bytes)).toEqual({ entries: [{ tag: 5, value: 0x0102030405060708n }, { tag: 0x8000, value: 2n ** 64n - 1n }], rest: 0 });
    expect(decodeStats(bytes.slice(0, 16)).rest).toBe(6);
  });
});

describe(`the reference keeps stats-entries and stats-recorded (seed ${seed})`, () => {
  for (const profile of ['linux', 'spec', 'firecracker'] as const) {
    it(profile, () => {
      const r = runCampaign({ factory: createReferenceSystem, properties: [statsEntries, statsRecorded], runs: 300, seed, profile });
      expect(r.counterexamples.map((c) => c.failure.violation.message)).toEqual([]);
    });
  }
});

describe('each stats fault is found by the general properties at 20 of 20 seeds', () => {
  it.each(STATS_FAULTS)('%s', (fault) => {
    for (const s of SEEDS) {
      const r = runCampaign({ factory: referenceWithFaults([fault]), properties: allProperties, runs: 200, seed: s, stopAtFirst: true });
      expect(r.counterexamples, `seed ${s}`).toHaveLength(1);
      expect(FAULTS[fault].catches).toContain(r.counterexamples[0].property);
    }
  }, 300_000); // stats-subset-changes needs a second used buffer: about 70 s for the 20 seeds
});
