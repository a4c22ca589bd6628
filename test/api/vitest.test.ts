/**
 * balloonSuite (api/vitest.ts) used as a user would, inside this suite: it registers one test
 * per property of the family, each of which runs that property on the factory and throws its
 * failure message. Here on each family's reference implementation, so every registered test must
 * pass; test/pkg/pack.test.ts runs a broken adapter through it from the installed package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { balloonSuite, checkImplementation } from '../../api/vitest.ts';
import { FAMILIES } from '../../properties/index.ts';

const out = mkdtempSync(join(tmpdir(), 'balloon-suite-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
for (const family of FAMILIES) balloonSuite(family, family.reference, { runs: 10, seed: 3, out });

// The registered tests throw exactly when checkImplementation reports failures: that condition
// must be reachable, or every registered test above would pass whatever the implementation does.
describe('what a registered test throws on', () => {
  it('a zoo fault of each family gives failures naming the seed, so its registered test fails', () => {
    for (const family of FAMILIES) {
      const fault = family.faults[0];
      const { failures } = checkImplementation(family, family.withFaults([fault.name]) as never, { runs: 300, seed: 3, out });
      expect(failures.length, `${family.name}/${fault.name}`).toBeGreaterThan(0);
      expect(failures[0].message).toMatch(/seed\D{0,3}3\b/);
    }
  });
});
