/**
 * checkImplementation (api/check.ts), the core of `balloon-testbed/vitest`, in this process: the
 * reference implementation of each family passes; a seeded bug of the zoo fails by the general
 * properties, with a message that carries the seed, fast-check's pair and the trace file, and the
 * trace replays to the same failure. test/pkg/pack.test.ts runs the same from an installed package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImplementation } from '../../api/check.ts';
import { FAMILIES, familyByName } from '../../properties/index.ts';
import { factoryForTrace, loadTrace, replayTrace } from '../../traces/index.ts';

const out = mkdtempSync(join(tmpdir(), 'balloon-api-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('checkImplementation', () => {
  for (const family of FAMILIES) {
    it(`passes ${family.name}'s reference implementation`, () => {
      const r = checkImplementation(family.name, family.reference, { runs: 30, seed: 7, out });
      expect(r.failures).toEqual([]);
      expect(r.report.verdicts.map((v) => v.verdict)).toEqual(family.properties.map(() => 'held'));
      expect(r.report.verdicts.every((v) => v.runs === 30)).toBe(true);
    });
  }

  it('fails a seeded bug by the general properties, and says how to get it back', () => {
    const virtio = familyByName('virtio');
    const buggy = virtio.withFaults(['double-inflate']);
    const r = checkImplementation('virtio', buggy, { runs: 300, seed: 1, out, module: './buggy.ts' });
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) {
      expect(f.message).toContain(`seed: 1 (pass { seed: 1 }`);
      expect(f.message).toContain(`fast-check: { seed: ${f.counterexample.roundSeed}, path: "${f.counterexample.path}" }`);
      expect(f.message).toContain(`trace: ${f.file}`);
      expect(f.message).toContain(`--impl ./buggy.ts`);
      expect(f.message.split('\n')[0]).toBe(`virtio: ${f.property} failed after ${f.counterexample.runsBeforeFailure} run(s): ${f.counterexample.failure.violation.message}`);
      const trace = loadTrace(f.file);
      expect(trace.source).toEqual({ kind: 'adapter', module: './buggy.ts' });
      const replayed = replayTrace(trace, { factory: factoryForTrace(trace, f.file, { path: './buggy.ts', factory: buggy }), properties: virtio.properties, conformance: virtio.conformanceProperty() });
      expect(replayed.verdict).toBe('reproduced');
    }
  });

  it('checks only the properties named, and refuses an unknown one', () => {
    const r = checkImplementation('virtio', familyByName('virtio').reference, { runs: 5, seed: 1, out, properties: ['frames-conserved'] });
    expect(r.report.verdicts.map((v) => v.name)).toEqual(['frames-conserved']);
    expect(() => checkImplementation('virtio', familyByName('virtio').reference, { runs: 5, seed: 1, out, properties: ['no-such'] })).toThrow(/no-such/);
    expect(() => checkImplementation('no-family', familyByName('virtio').reference)).toThrow(/unknown family "no-family"/);
  });
});
