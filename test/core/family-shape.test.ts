/**
 * Family.shape for every registered family: what adapters/ checks of a user's module on every
 * step must accept every answer of the family's reference along generated cases (no false
 * alarm), and must name the field of each way an answer can be broken (no false pass). The
 * world part and the family's own part are both broken; per-family walks have their own tests
 * (test/adapters/shape.test.ts, test/core/xen-shape.test.ts) for their exact words.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../properties/families.ts';

/** Copy `obs` with the field at `path` set to `v` (typed arrays are kept by reference). */
function withField(obs: unknown, path: readonly (string | number)[], v: unknown): unknown {
  if (path.length === 0) return v;
  const [k, ...rest] = path;
  const o = obs as Record<string | number, unknown>;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(o) ? [...o] : { ...o };
  (copy as Record<string | number, unknown>)[k] = withField(o[k], rest, v);
  return copy;
}

describe.each(FAMILIES.map((f) => [f.name, f] as const))('%s shape', (_name, family) => {
  it('accepts every step result and observation of the reference along generated cases', () => {
    let steps = 0;
    fc.assert(fc.property(family.caseArb({ maxCommands: 30 }), ({ config, commands }) => {
      const sys = family.reference(config);
      expect(family.shape.observationProblems(sys.observe(), config)).toEqual([]);
      for (const c of commands) {
        const r = sys.apply(family.runner.prepare(c, config, sys.observe()));
        expect(family.shape.stepResultProblems(r, config)).toEqual([]);
        expect(family.shape.observationProblems(sys.observe(), config)).toEqual([]);
        steps++;
      }
    }), { numRuns: 15, seed: 7 });
    expect(steps).toBeGreaterThan(50);
  });

  it('names the broken field of an observation, in the world part and in the family part', () => {
    const config = family.defaultConfig();
    const obs = family.reference(config).observe();
    const cases: [(string | number)[], unknown, RegExp][] = [
      [['host', 'owner'], new Int32Array(3), /^host\.owner: expected Int32Array of length \d+, got Int32Array of length 3/],
      [['guests', 0, 'p2m'], [], /^guests\[0\]\.p2m: expected Int32Array of length \d+, got Array of length 0/],
      [['guests', 0, 'counts', 'used'], -1, /^guests\[0\]\.counts\.used: expected a whole number/],
      [['guests', 0, family.shape.guestField], undefined, new RegExp(`^guests\\[0\\]\\.${family.shape.guestField}: expected `)],
      [['guests'], [], /^guests: expected /],
    ];
    for (const [path, v, message] of cases) {
      const problems = family.shape.observationProblems(withField(obs, path, v), config);
      expect(problems.length, `${path.join('.')} = ${String(v)}`).toBeGreaterThan(0);
      expect(problems[0]).toMatch(message);
    }
    expect(family.shape.observationProblems(undefined, config)[0]).toMatch(/^observation: expected an object/);
  });

  it('names unknown kinds and codes, and gpfns, frames and guests out of the configuration', () => {
    const config = family.defaultConfig();
    const space = config.guests[0].ramPages + config.guests[0].holePages;
    const one = (r: unknown) => family.shape.stepResultProblems(r, config);
    expect(one({ outcome: 'refused', code: 'nope/never', message: 'x', effects: [] })[0]).toMatch(/^result\.code: expected a known error code/);
    expect(one({ outcome: 'accepted', effects: [{ kind: 'frame-freed', guest: 0 }] })[0]).toMatch(/^result\.effects\[0\]\.kind: expected a known effect kind/);
    expect(one({ outcome: 'accepted', effects: [{ kind: 'wrote', guest: 0, gpfn: space + 1_000_000, token: 1 }] })[0])
      .toMatch(/^result\.effects\[0\]\.gpfn: expected a gpfn below/);
    expect(one({ outcome: 'accepted', effects: [{ kind: 'frame-mapped', guest: 0, gpfn: 0, frame: config.hostFrames }] })[0])
      .toMatch(/^result\.effects\[0\]\.frame: expected a frame below/);
    expect(one({ outcome: 'accepted', effects: [{ kind: 'read', guest: config.guests.length, gpfn: 0, value: 0 }] })[0])
      .toMatch(/^result\.effects\[0\]\.guest: expected a guest index below/);
    expect(one(undefined)).toEqual(['result: expected an object, got nothing (undefined)']);
  });
});
