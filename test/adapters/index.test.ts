/** adapters/index.ts: the one call the command line makes, its flag, and the shape property. */
import { afterAll, describe, expect, it } from 'vitest';
import { guestId, systemConfig, type SystemFactory } from '../../core/virtio/index.ts';
import { UsageError } from '../../cli/errors.ts';
import { DEFAULT_STEP_TIMEOUT_MS, observationShape, openImplementation, parseStepTimeout } from '../../adapters/index.ts';
import { allProperties } from '../../properties/index.ts';
import { runCase } from '../../properties/runner.ts';
import createSloppySystem from '../fixtures/adapters/malformed-observation.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import createArraySystem from '../../examples/array-impl/index.ts';

const stops: (() => void)[] = [];
afterAll(() => { for (const s of stops) s(); });

describe('parseStepTimeout', () => {
  it('reads absent, bare, numeric and zero flags', () => {
    expect(parseStepTimeout(undefined)).toBe(0);
    expect(parseStepTimeout(true)).toBe(DEFAULT_STEP_TIMEOUT_MS);
    expect(parseStepTimeout('250')).toBe(250);
    expect(parseStepTimeout('0')).toBe(0);
  });

  it('defaults to the step limit for a module, and to in-process for the reference implementation', () => {
    expect(parseStepTimeout(undefined, true)).toBe(DEFAULT_STEP_TIMEOUT_MS);
    expect(parseStepTimeout(undefined, false)).toBe(0);
    expect(parseStepTimeout('0', true)).toBe(0);
  });

  it('refuses a bad value with one line', () => {
    expect(() => parseStepTimeout('5s')).toThrow(UsageError);
    expect(() => parseStepTimeout('5s')).toThrow('--step-timeout: expected a whole number from 0 to 3600000, got "5s"');
  });
});

describe('openImplementation', () => {
  it('loads a module into a worker with the default step limit', async () => {
    const impl = await openImplementation('examples/array-impl/index.ts');
    stops.push(impl.stop);
    expect(impl).toMatchObject({ name: 'examples/array-impl/index.ts', stepTimeoutMs: DEFAULT_STEP_TIMEOUT_MS });
    expect(runCase(impl.factory, systemConfig(), [{ kind: 'set-target', guest: guestId(0), pages: 8 }], allProperties).failure).toBeNull();
    expect(impl.output()).toEqual({ bytes: 0, excerpt: '' });
  });

  it('runs a module in-process with --step-timeout 0', async () => {
    const impl = await openImplementation('examples/array-impl/index.ts', { stepTimeout: '0' });
    expect(impl).toMatchObject({ stepTimeoutMs: 0 });
    expect(impl.output()).toBeNull();
    expect(runCase(impl.factory, systemConfig(), [{ kind: 'set-target', guest: guestId(0), pages: 8 }], allProperties).failure).toBeNull();
  });

  it('runs in a worker with --step-timeout', async () => {
    const impl = await openImplementation('reference', { stepTimeout: '2000' });
    stops.push(impl.stop);
    expect(impl.stepTimeoutMs).toBe(2000);
    expect(runCase(impl.factory, systemConfig(), [{ kind: 'set-target', guest: guestId(0), pages: 8 }], allProperties).failure).toBeNull();
  });

  it('passes loading errors on as UsageError', async () => {
    await expect(openImplementation('nowhere.ts')).rejects.toThrow(/^--impl nowhere\.ts: module not found/);
  });
});

describe('observation-shape property', () => {
  it('fails a malformed observation by name, ahead of the other properties', () => {
    const r = runCase(createSloppySystem as unknown as SystemFactory, systemConfig(), [{ kind: 'driver', guest: guestId(0) }], [observationShape, ...allProperties]);
    expect(r.failure).toMatchObject({ property: 'observation-shape', step: 0, phase: 'step' });
    expect(r.failure!.violation.message).toBe('the observation is malformed: guests[0].p2m: expected Int32Array of length 64, got Array of length 64; guests[1].p2m: expected Int32Array of length 56, got Array of length 56');
  });

  it('holds for the reference and the example implementation', () => {
    for (const f of [createReferenceSystem, createArraySystem]) {
      const r = runCase(f, systemConfig(), [{ kind: 'set-target', guest: guestId(1), pages: 20 }, { kind: 'driver', guest: guestId(1) }], [observationShape]);
      expect(r.failure).toBeNull();
    }
  });
});
