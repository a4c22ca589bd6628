// replayTrace runs the commands as they are and judges the run against the file's `expect`.
import { describe, expect, it } from 'vitest';
import { createReferenceSystem, referenceWithFaults } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { conformance } from '../../properties/conformance.ts';
import { TraceError } from '../../traces/errors.ts';
import { replayTrace } from '../../traces/replay.ts';
import { leakyFactory } from './fixtures/leaky-impl.ts';
import { smallTrace } from './helpers.ts';

const properties = allProperties;
const failAt4 = { verdict: 'fail' as const, property: 'frames-conserved', step: 4, message: '' };

describe('replayTrace', () => {
  it('holds on the reference implementation, as expected', () => {
    const r = replayTrace(smallTrace(), { factory: createReferenceSystem, properties });
    expect(r.verdict).toBe('held');
    expect(r.asExpected).toBe(true);
    expect(r.ran).toEqual(['frames-conserved', 'no-double-mapping']);
    expect(r.snapshots).toHaveLength(r.result.steps);
  });

  it('reproduces an expected failure at the expected step', () => {
    const r = replayTrace(smallTrace({ expect: failAt4 }), { factory: leakyFactory(4), properties });
    expect(r.result.failure).toMatchObject({ property: 'frames-conserved', step: 4 });
    expect(r.verdict).toBe('reproduced');
    expect(r.asExpected).toBe(true);
  });

  it('reports a failure where the file expects every property to hold', () => {
    const r = replayTrace(smallTrace(), { factory: leakyFactory(4), properties });
    expect(r.verdict).toBe('failed');
    expect(r.asExpected).toBe(false);
  });

  it('reports a failure at another step as failing differently', () => {
    const r = replayTrace(smallTrace({ expect: { ...failAt4, step: 5 } }), { factory: leakyFactory(4), properties });
    expect(r.verdict).toBe('failed-differently');
  });

  it('reports an expected failure that no longer happens', () => {
    const r = replayTrace(smallTrace({ expect: failAt4 }), { factory: createReferenceSystem, properties });
    expect(r.verdict).toBe('not-reproduced');
    expect(r.asExpected).toBe(false);
  });

  it('runs the model in a pass of its own when the trace does not list it', () => {
    const r = replayTrace(smallTrace(), { factory: createReferenceSystem, properties, conformance });
    expect(r.ran).toEqual(['frames-conserved', 'no-double-mapping']);
    expect(r.model).toBeNull();
    expect(r.verdict).toBe('held');
  });

  it('reports a divergence of the model beside a verdict judged on the trace\'s own properties', () => {
    // actual written before the acknowledgement: frames stay conserved, the statechart refuses it.
    const r = replayTrace(smallTrace({ properties: ['frames-conserved'] }), { factory: referenceWithFaults(['actual-before-ack']), properties, conformance });
    expect(r.verdict).toBe('held');
    expect(r.model?.property).toBe('conformance');
    expect(r.model?.violation.message).toMatch(/ACTUAL_WRITTEN/);
  });

  it('refuses a trace naming a property that is not installed', () => {
    const t = smallTrace({ properties: ['frames-conserved', 'no-such-thing'] });
    expect(() => replayTrace(t, { factory: createReferenceSystem, properties, file: 't.json' }))
      .toThrow(new TraceError('t.json', 'properties[1]', `unknown property "no-such-thing" (known: ${properties.map((p) => p.name).join(', ')})`));
  });
});
