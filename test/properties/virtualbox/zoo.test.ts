import { describe, expect, it } from 'vitest';
import { createVboxReference, VBOX_FAULTS, vboxFaultNames, vboxReferenceWithFaults } from '../../../impl/virtualbox/index.ts';
import { checkVbox, virtualbox } from '../../../properties/virtualbox/index.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
/** Without the charts: the general invariants must find each fault on their own. */
const NO_CHART = virtualbox.properties.filter((p) => p.name !== 'conformance');

describe('the VirtualBox zoo: each fault found by the properties at seeds 1-20', () => {
  it('the reference passes at every seed', () => {
    for (const seed of SEEDS) {
      const r = checkVbox({ factory: createVboxReference, properties: virtualbox.properties, runs: 300, seed });
      expect(r.ok, `seed ${seed}: ${r.failure?.property}: ${r.failure?.violation.message}`).toBe(true);
    }
  }, 240_000);

  for (const fault of vboxFaultNames) {
    it(`${fault} is found, by a property it names, with a short counterexample, with and without the charts`, () => {
      for (const seed of SEEDS) {
        for (const properties of [virtualbox.properties, NO_CHART]) {
          const r = checkVbox({ factory: vboxReferenceWithFaults([fault]), properties, runs: 300, seed });
          expect(r.ok, `seed ${seed}`).toBe(false);
          expect(VBOX_FAULTS[fault].catches, `seed ${seed}: ${r.failure!.violation.message}`).toContain(r.failure!.property);
          expect(r.case!.commands.length).toBeLessThanOrEqual(6);
        }
      }
    }, 240_000);
  }
});
