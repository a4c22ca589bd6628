/**
 * `balloon-testbed/vitest`: check your implementation from your own vitest suite. One call
 * registers a `describe` block with one test per property of the family; each test runs that
 * property on seeded random workloads against your factory, and a failing one throws a message
 * with the seed to paste back, fast-check's `{ seed, path }`, and the trace file its shrunk
 * counterexample was saved to (replay it with `npx balloon replay FILE --impl MODULE`).
 *
 * @example
 *   // balloon.test.ts
 *   import { balloonSuite } from 'balloon-testbed/vitest';
 *   import createSystem from './my-adapter.ts';
 *
 *   balloonSuite('virtio', createSystem, { runs: 200, module: './my-adapter.ts' });
 */
import { describe, test } from 'vitest';
import type { SystemFactory } from '../core/virtio/index.ts';
import { familyByName, propertiesByName, type AnyFamily } from '../properties/index.ts';
import { checkImplementation, defaultSeed, type CheckOptions } from './check.ts';

export { checkImplementation, failureMessage, type CheckOptions, type CheckFailure, type CheckResult } from './check.ts';

export interface SuiteOptions extends CheckOptions {
  /** Time limit per test (one property), ms. Default 120,000. */
  timeout?: number;
}

/**
 * Register the tests. The seed is chosen once for the whole block (options.seed, else FC_SEED,
 * else the clock) and named in the block's title, so every test of one run sees the same cases.
 */
export function balloonSuite(family: string | AnyFamily, factory: SystemFactory, o: SuiteOptions = {}): void {
  const fam = typeof family === 'string' ? familyByName(family) : family;
  const seed = o.seed ?? defaultSeed();
  const properties = o.properties ? propertiesByName(o.properties, fam.properties) : fam.properties;
  describe(`balloon-testbed ${fam.name} (seed ${seed})`, () => {
    for (const p of properties) {
      test(p.name, () => {
        const { failures } = checkImplementation(fam, factory, { ...o, seed, properties: [p.name] });
        if (failures.length > 0) throw new Error(failures.map((f) => f.message).join('\n\n'));
      }, o.timeout ?? 120_000);
    }
  });
}
