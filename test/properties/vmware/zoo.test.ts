import { describe, expect, it } from 'vitest';
import { createVmwReference, VMW_FAULTS, vmwFaultNames, vmwReferenceWithFaults } from '../../../impl/vmware/index.ts';
import { checkVmw, vmware } from '../../../properties/vmware/index.ts';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe('the VMware zoo: each fault found by the properties at seeds 1-20', () => {
  it('the reference passes at every seed', () => {
    for (const seed of SEEDS) {
      const r = checkVmw({ factory: createVmwReference, properties: vmware.properties, runs: 300, seed });
      expect(r.ok, `seed ${seed}: ${r.failure?.property}: ${r.failure?.violation.message}`).toBe(true);
    }
  }, 180_000);

  for (const fault of vmwFaultNames) {
    it(`${fault} is found, by a property it names, with a short counterexample`, () => {
      for (const seed of SEEDS) {
        const r = checkVmw({ factory: vmwReferenceWithFaults([fault]), properties: vmware.properties, runs: 300, seed });
        expect(r.ok, `seed ${seed}`).toBe(false);
        expect(VMW_FAULTS[fault].catches, `seed ${seed}: ${r.failure!.violation.message}`).toContain(r.failure!.property);
        // 6: at seed 8 doorbell-unchecked shrinks to six commands of which none can be dropped (1-minimal), since the workload has locality.
        expect(r.case!.commands.length).toBeLessThanOrEqual(6);
      }
    }, 180_000);
  }
});
