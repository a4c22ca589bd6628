import { describe, expect, it } from 'vitest';
import { XEN_FAULTS, xenFaultNames, xenReferenceWithFaults, createXenReference } from '../../../impl/xen/index.ts';
import { checkXen, XEN_SHARED_PROPERTIES } from '../../../properties/xen/index.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe('the Xen zoo: each fault found by the properties at seeds 1-20', () => {
  it('the reference passes at every seed', () => {
    for (const seed of SEEDS) {
      const r = checkXen({ factory: createXenReference, properties: XEN_SHARED_PROPERTIES, runs: 300, seed });
      expect(r.ok, `seed ${seed}: ${r.failure?.property}: ${r.failure?.violation.message}`).toBe(true);
    }
  }, 120_000);

  for (const fault of xenFaultNames) {
    it(`${fault} is found, by a property it names, with a short counterexample`, () => {
      for (const seed of SEEDS) {
        const r = checkXen({ factory: xenReferenceWithFaults([fault]), properties: XEN_SHARED_PROPERTIES, runs: 300, seed });
        expect(r.ok, `seed ${seed}`).toBe(false);
        expect(XEN_FAULTS[fault].catches, `seed ${seed}: ${r.failure!.violation.message}`).toContain(r.failure!.property);
        expect(r.commands!.length).toBeLessThanOrEqual(4);
      }
    }, 120_000);
  }
});
