/**
 * Vacuous implementations are caught (issue 14): every stub of test/fixtures/stubs/ (virtio) and
 * test/fixtures/stubs/xen/ fails its family's general property list, with the default workload
 * and budget, at every seed tried. No property knows a stub: the campaign gets a factory and the
 * family's properties, nothing else; a Xen stub is loaded as `--impl MODULE --family xen` loads
 * it (probed as Xen, every answer checked against Xen's shape), in-process. CI tries seeds 1 to
 * 5; `npm run bench:stubs` tries 1 to 20 and writes bench/STUBS.md.
 */
import { describe, expect, it } from 'vitest';
import { allProperties } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { DEFAULT_RUNS } from '../../properties/defaults.ts';
import { STUBS } from '../fixtures/stubs/index.ts';
import { runCase } from '../../properties/runner.ts';
import { loadTrace } from '../../traces/index.ts';
import { guardImplementation, loadImplementation } from '../../adapters/index.ts';
import { familyByName } from '../../properties/families.ts';
import { XEN_STUBS } from '../fixtures/stubs/xen/index.ts';

const SEEDS = [1, 2, 3, 4, 5];

describe.each(STUBS.map((s) => [s.name, s] as const))('stub %s', (_name, stub) => {
  it(`(${stub.leaves}) fails a general property at seeds ${SEEDS.join(', ')}`, () => {
    for (const seed of SEEDS) {
      const r = runCampaign({ factory: stub.factory, properties: allProperties, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
      expect(r.counterexamples, `seed ${seed}`).toHaveLength(1);
      expect(allProperties.map((p) => p.name), `seed ${seed}`).toContain(r.counterexamples[0].property);
    }
  });
});

// One hand-written scenario that every command kind and both kinds of guest take part in: it
// holds on the reference (test/traces/corpus.test.ts) and fails on every stub.
describe('traces/corpus/contracts-hold.json', () => {
  const trace = loadTrace(new URL('../../traces/corpus/contracts-hold.json', import.meta.url).pathname);
  it.each(STUBS.map((s) => [s.name, s] as const))('fails on stub %s', (_name, stub) => {
    // A property's verdict, not a crash of the stub (the runner reports a throw under a name of its own).
    expect(allProperties.map((p) => p.name)).toContain(runCase(stub.factory, trace.config, trace.commands, allProperties).failure?.property);
  });
});

describe.each(XEN_STUBS.map((s) => [s.name, s] as const))('xen stub %s', (_name, stub) => {
  it(`(${stub.leaves}) fails a general Xen property at seeds ${SEEDS.join(', ')}`, async () => {
    const xen = familyByName('xen');
    const factory = guardImplementation(await loadImplementation(stub.path, process.cwd(), xen), { stepTimeoutMs: 0 });
    for (const seed of SEEDS) {
      const r = runCampaign({ family: 'xen', factory, properties: xen.properties, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
      expect(r.counterexamples, `seed ${seed}`).toHaveLength(1);
      // A named property of the family, never a crash or a malformed answer (no-crash).
      expect(xen.properties.map((p) => p.name), `seed ${seed}`).toContain(r.counterexamples[0].property);
    }
  });
});
