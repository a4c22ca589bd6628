/**
 * Legitimate drivers get no false alarm: each fixture of test/fixtures/legit-drivers/ makes one
 * choice that VIRTIO 1.x 5.5.6.1 leaves to the driver differently from Linux (and from the
 * reference implementation), and the default property list, conformance to the statechart
 * included, must hold on it. The bug zoo (test/zoo) is the other half: the spec's refusals.
 */
import { describe, expect, it } from 'vitest';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import batchedActual from '../fixtures/legit-drivers/batched-actual.ts';
import earlyReuse from '../fixtures/legit-drivers/early-reuse.ts';
import fifo from '../fixtures/legit-drivers/fifo.ts';
import pipelined from '../fixtures/legit-drivers/pipelined.ts';
import smallBatch from '../fixtures/legit-drivers/small-batch.ts';
import statsSubset from '../fixtures/legit-drivers/stats-subset.ts';

const seed = Number(process.env.FC_SEED ?? 1);
const RUNS = 2000;

const VARIANTS: { name: string; freedom: string; factory: SystemFactory }[] = [
  { name: 'small-batch', freedom: 'at most 4 guest pages per buffer', factory: smallBatch },
  { name: 'fifo', freedom: 'the oldest balloon pages deflated first', factory: fifo },
  { name: 'early-reuse', freedom: 'without MUST_TELL_HOST, deflated pages reused before the ack', factory: earlyReuse },
  { name: 'batched-actual', freedom: 'actual written once after several batches', factory: batchedActual },
  { name: 'pipelined', freedom: 'up to three batches of its own in flight per queue', factory: pipelined },
  { name: 'stats-subset', freedom: 'some statistics only, in its own order, with a vendor tag (5.5.6.3.1 statements 30-32)', factory: statsSubset },
];

describe(`legitimate drivers pass every default property (${RUNS} runs, seed ${seed})`, () => {
  for (const v of VARIANTS) {
    it(`${v.name}: ${v.freedom}`, () => {
      const r = runCampaign({ factory: v.factory, properties: allProperties, runs: RUNS, seed });
      expect(r.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
      expect(r.verdicts.find((x) => x.name === 'conformance')?.verdict).toBe('held');
    }, 180_000); // a full campaign per driver: well under a minute alone, past it on a loaded machine
  }
});
