/** adapters/shape.ts: field-level messages for malformed observations and step results. */
import { describe, expect, it } from 'vitest';
import { guestConfig, guestId, systemConfig } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import createArraySystem from '../../examples/array-impl/index.ts';
import { observationProblems } from '../../adapters/shape.ts';
import { stepResultProblems } from '../../adapters/step-shape.ts';

const config = systemConfig({ guests: [guestConfig(), guestConfig({ ramPages: 48, holeStart: 32, holePages: 8, assignedDevice: true })] });

describe('observationProblems', () => {
  it('finds nothing wrong with the reference or the example implementation', () => {
    for (const f of [createReferenceSystem, createArraySystem]) {
      const sys = f(config);
      sys.apply({ kind: 'set-target', guest: guestId(0), pages: 8 });
      sys.apply({ kind: 'driver', guest: guestId(0) });
      expect(observationProblems(sys.observe(), config)).toEqual([]);
    }
  });

  it('names each malformed field with what it expected', () => {
    const obs = createReferenceSystem(config).observe();
    const bad = {
      host: { ...obs.host, freeFrames: -1, owner: new Int32Array(3) },
      guests: [
        { ...obs.guests[0], p2m: Array.from(obs.guests[0].p2m), counts: { ...obs.guests[0].counts, used: undefined } },
        { ...obs.guests[1], dmaView: null, inflight: [{ id: 1, queue: 'inflat', origin: 'driver', gpfns: [], acked: 'no' }] },
      ],
    };
    expect(observationProblems(bad, config)).toEqual([
      'host.freeFrames: expected a whole number, got the number -1',
      'host.owner: expected Int32Array of length 112, got Int32Array of length 3',
      'guests[0].p2m: expected Int32Array of length 64, got Array of length 64',
      'guests[0].counts.used: expected a whole number, got nothing (undefined)',
      'guests[1].dmaView: expected Int32Array of length 56, got null',
      'guests[1].inflight[0].queue: expected one of inflate, deflate, stats, reporting, got the string "inflat"',
      'guests[1].inflight[0].acked: expected a boolean, got the string "no"',
    ]);
  });

  it('says when the guest list does not match the configuration', () => {
    expect(observationProblems({ host: createReferenceSystem(config).observe().host, guests: [] }, config))
      .toEqual(['guests: expected an Array of 2 guest observations, got Array of length 0']);
    expect(observationProblems(undefined, config)).toEqual(['observation: expected an object, got nothing (undefined)']);
  });
});

describe('stepResultProblems', () => {
  it('accepts real step results', () => {
    const sys = createReferenceSystem(config);
    expect(stepResultProblems(sys.apply({ kind: 'set-target', guest: guestId(0), pages: 8 }))).toEqual([]);
    expect(stepResultProblems(sys.apply({ kind: 'device', guest: guestId(0), queue: 'inflate' }))).toEqual([]);
  });

  it('names unknown codes and effect kinds', () => {
    expect(stepResultProblems({ outcome: 'refused', code: 'oops', message: 'x', effects: [{ kind: 'frame-freed' }] })).toEqual([
      'result.code: expected a known error code (core/virtio/errors.ts), got the string "oops"',
      'result.effects[0].kind: expected a known effect kind (core/virtio/effects.ts), got the string "frame-freed"',
    ]);
    expect(stepResultProblems(undefined)).toEqual(['result: expected an object, got nothing (undefined)']);
  });
});
