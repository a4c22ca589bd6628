/**
 * examples/virtualbox-flat against the reference VirtualBox implementation. The two pick different
 * pages and frames on purpose, so they are compared where the protocol fixes the answer: each
 * step's outcome, code and effect kinds (frames aside), the driver's and the host's state (chunks, wanted size,
 * event, queue, ballooned count) and the allocator's counts. And the example holds every
 * VirtualBox property, loaded the way `--impl` loads it, in-process to keep the test fast.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardImplementation, loadImplementation } from '../../adapters/index.ts';
import { formatVboxCommand, type VboxObservation, type VboxStepResult } from '../../core/virtualbox/index.ts';
import { createVboxReference } from '../../impl/virtualbox/index.ts';
import { familyByName } from '../../properties/families.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { resolveVboxHostile, vboxCaseArb } from '../../properties/virtualbox/index.ts';
import createFlat from '../../examples/virtualbox-flat/index.ts';

// Which frames a step maps or releases depends on the pages picked (a freed page keeps its frame
// until it is ballooned), so frame effects and the free count are the properties' business here.
const outline = (r: VboxStepResult) => ({ outcome: r.outcome, code: r.outcome === 'refused' ? r.code : null, kinds: r.effects.map((e) => e.kind).filter((k) => k !== 'frame-mapped' && k !== 'frame-released') });
const seen = (o: VboxObservation) => ({ guests: o.guests.map((g) => ({ target: g.target, actual: g.actual, counts: { ...g.counts }, virtualbox: JSON.parse(JSON.stringify(g.virtualbox)) })) });

describe('examples/virtualbox-flat', () => {
  it('answers every generated step as the reference does, where the protocol fixes the answer', () => {
    fc.assert(fc.property(vboxCaseArb(undefined, 60), ({ config, commands }) => {
      const ref = createVboxReference(config);
      const flat = createFlat(config);
      expect(seen(flat.observe())).toEqual(seen(ref.observe()));
      commands.forEach((c, i) => {
        const a = ref.apply(resolveVboxHostile(c as never, config, ref.observe()) as typeof c);
        const b = flat.apply(resolveVboxHostile(c as never, config, flat.observe()) as typeof c);
        expect(outline(b), `step ${i}: ${formatVboxCommand(c)}`).toEqual(outline(a));
        expect(seen(flat.observe()), `after step ${i}: ${formatVboxCommand(c)}`).toEqual(seen(ref.observe()));
      });
    }), { numRuns: 60, seed: 11 });
  });

  it('holds every VirtualBox property under --impl\'s loader', async () => {
    const family = familyByName('virtualbox');
    const loaded = await loadImplementation('examples/virtualbox-flat/index.ts', process.cwd(), family);
    const factory = guardImplementation(loaded, { stepTimeoutMs: 0 });
    const report = runCampaign({ family: 'virtualbox', factory, properties: family.properties, runs: 200, seed: 7, maxCommands: 80 });
    expect(report.counterexamples.map((c) => `${c.property}: ${c.failure.violation.message}`)).toEqual([]);
    expect(report.verdicts.map((v) => v.verdict)).toEqual(family.properties.map(() => 'held'));
  }, 120_000);
});
