/**
 * SystemUnderTest.fork on every family's reference: a fork taken after any command list behaves
 * as a fresh system replaying that list (same results and observations, command by command), and
 * stepping the fork leaves the original as it was. Commands come from each family's explorer
 * alphabet on a two-guest configuration, so hostile requests, resets and every queue are in play.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SystemUnderTest } from '../../core/index.ts';
import { FAMILIES } from '../../properties/families.ts';
import { canonicalKey } from '../../properties/state-key.ts';

describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s reference', (_name, family) => {
  const ex = family.explorer!;
  const config = ex.config(2, 4);
  const alphabet = ex.alphabet(config);
  const build = () => (family.reference as unknown as (c: unknown) => SystemUnderTest)(config);
  const cmds = fc.array(fc.nat({ max: alphabet.length - 1 }).map((i) => alphabet[i]), { maxLength: 12 });
  it('offers fork', () => expect(typeof build().fork).toBe('function'));
  it('a fork behaves as a replay of its history and leaves the original alone', () => {
    fc.assert(fc.property(cmds, cmds, (prefix, suffix) => {
      const a = build();
      for (const c of prefix) a.apply(c);
      const before = canonicalKey(a.observe());
      const b = a.fork!();
      const r = build();
      for (const c of prefix) r.apply(c);
      expect(canonicalKey(b.observe())).toBe(canonicalKey(r.observe()));
      for (const c of suffix) {
        expect(JSON.stringify(b.apply(c))).toBe(JSON.stringify(r.apply(c)));
        expect(canonicalKey(b.observe())).toBe(canonicalKey(r.observe()));
      }
      expect(canonicalKey(a.observe())).toBe(before);
    }), { numRuns: 40 });
  });
});
