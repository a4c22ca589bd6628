/**
 * examples/xen-flat against the reference Xen implementation, step by step. The two pick
 * different pages and frames on purpose, so they are compared where the protocol fixes the
 * answer: each step's outcome, code and effect kinds, and everything the charts see of a guest
 * (model/xen/project.ts: balloon_stats, the allocator's counts, the thread's schedule). Without
 * populate-on-demand the two must agree exactly; with it, which free pages are still PoD entries
 * depends on the pages picked, so PoD domains are left to the property campaign
 * (xen-flat-properties.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guestId } from '../../core/index.ts';
import { formatXenCommand, xenGuestConfig, xenSystemConfig, type XenObservation, type XenStepResult } from '../../core/xen/index.ts';
import { createXenReference } from '../../impl/xen/index.ts';
import { abstractXenObservation } from '../../model/xen/index.ts';
import { resolveXenHostile, xenCommandsArb } from '../../properties/xen/index.ts';
import { xenObservationProblems, xenStepResultProblems } from '../../core/xen/shape.ts';
import createFlatXenSystem from '../../examples/xen-flat/index.ts';

/** What the protocol fixes about a step, whichever pages an implementation picks. */
const outline = (r: XenStepResult) => ({ outcome: r.outcome, code: r.outcome === 'refused' ? r.code : null, kinds: r.effects.map((e) => e.kind) });
const seen = (o: XenObservation) => ({ now: o.xen.now, freeFrames: o.host.freeFrames, guests: o.guests.map(abstractXenObservation) });

const CONFIGS = [
  xenSystemConfig(),
  xenSystemConfig({ hostFrames: 90, maxRetries: 3, maxDelay: 4, batchGpfns: 8, guests: [xenGuestConfig({ mode: 'pv', ramPages: 40, floorPages: 12 }), xenGuestConfig({ ramPages: 40 })] }),
];

describe('examples/xen-flat', () => {
  it('starts as the reference does, in a well-formed observation', () => {
    for (const config of CONFIGS) {
      const ours = createFlatXenSystem(config).observe();
      expect(xenObservationProblems(ours, config)).toEqual([]);
      expect(seen(ours)).toEqual(seen(createXenReference(config).observe()));
    }
  });

  it.each(CONFIGS.map((c, i) => [i, c] as const))('agrees with the reference on every step without PoD (configuration %i)', (_i, config) => {
    fc.assert(fc.property(xenCommandsArb(config, 80), (commands) => {
      const ours = createFlatXenSystem(config);
      const ref = createXenReference(config);
      commands.forEach((c, i) => {
        const where = `step ${i}: ${formatXenCommand(c)}`;
        // A hostile request is built from each system's own observation, as the runner does.
        const a = ours.apply(c.kind === 'hostile' ? resolveXenHostile(c, config, ours.observe()) : c);
        const b = ref.apply(c.kind === 'hostile' ? resolveXenHostile(c, config, ref.observe()) : c);
        expect(xenStepResultProblems(a, config), where).toEqual([]);
        expect(outline(a), where).toEqual(outline(b));
        expect(seen(ours.observe()), where).toEqual(seen(ref.observe()));
      });
    }), { numRuns: 60, seed: 11 });
  });

  it('refuses an invalid configuration as the reference does', () => {
    expect(() => createFlatXenSystem(xenSystemConfig({ batchGpfns: 0 }))).toThrow(/batchGpfns/);
  });

  it('balloons a guest down to its target and back in a hand-written run', () => {
    const sys = createFlatXenSystem(xenSystemConfig());
    const g = guestId(0);
    sys.apply({ kind: 'set-target', guest: g, pages: 40 });
    sys.apply({ kind: 'thread', guest: g });
    expect(sys.observe().guests[0]).toMatchObject({ target: 40, actual: 40, counts: { ballooned: 24 } });
    sys.apply({ kind: 'set-target', guest: g, pages: 64 });
    sys.apply({ kind: 'thread', guest: g });
    expect(sys.observe().guests[0]).toMatchObject({ actual: 64, counts: { ballooned: 0 } });
  });
});
