/**
 * adapters/guard.ts: an implementation that throws, answers nonsense or hangs fails the step it
 * did it in, by name, and the run goes on to a verdict.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { guestId, systemConfig, type Command, type SystemFactory } from '../../core/virtio/index.ts';
import { guardImplementation } from '../../adapters/guard.ts';
import { loadImplementation, type LoadedImplementation } from '../../adapters/load.ts';
import { allProperties } from '../../properties/index.ts';
import { NO_CRASH, runCase } from '../../properties/runner.ts';
import createSloppySystem from '../fixtures/adapters/malformed-observation.ts';
import { resolve } from 'node:path';

const g0 = guestId(0);
const config = systemConfig();
const workload: Command[] = [
  { kind: 'alloc', guest: g0, pages: 4, pick: 0 },
  { kind: 'set-target', guest: g0, pages: 8 },
  { kind: 'driver', guest: g0 },
  { kind: 'device', guest: g0, queue: 'inflate' },
  { kind: 'free', guest: g0, pages: 2, pick: 1 },
  { kind: 'reset', guest: g0 },
  { kind: 'driver', guest: g0 },
];

const stops: (() => void)[] = [];
afterAll(() => { for (const s of stops) s(); });
function guard(impl: LoadedImplementation, stepTimeoutMs: number): SystemFactory {
  const f = guardImplementation(impl, { stepTimeoutMs });
  stops.push(f.stop);
  return f;
}
/** A fixture as a loaded implementation, without load-time checks (which would refuse some). */
const unchecked = (name: string, factory: SystemFactory = () => { throw new Error('in-process use not expected'); }): LoadedImplementation =>
  ({ factory, name, modulePath: resolve('test/fixtures/adapters', name), exportName: 'default' });

describe('guardImplementation in-process (stepTimeoutMs 0)', () => {
  it('passes a correct implementation through unchanged', async () => {
    const r = runCase(guard(await loadImplementation('reference'), 0), config, workload, allProperties);
    expect(r.failure).toBeNull();
  });

  it('reports a throwing step as a no-crash failure of that step', async () => {
    const r = runCase(guard(await loadImplementation('test/fixtures/adapters/throws-on-free.ts'), 0), config, workload, allProperties);
    expect(r.failure).toMatchObject({ property: NO_CRASH, step: 4, violation: { message: 'the step threw: TypeError: free is not implemented yet' } });
  });

  it('reports a malformed observation naming the field', () => {
    const r = runCase(guard(unchecked('malformed-observation.ts', createSloppySystem as unknown as SystemFactory), 0), config, workload, allProperties);
    expect(r.failure).toMatchObject({ property: NO_CRASH, step: 0 });
    expect(r.failure!.violation.message).toMatch(/^the step threw: MalformedObservation: guests\[0\]\.p2m: expected Int32Array of length 64, got Array of length 64/);
  });
});

describe('guardImplementation in a worker (stepTimeoutMs > 0)', () => {
  it('runs a correct implementation to the same verdict and results as in-process', async () => {
    const impl = await loadImplementation('examples/array-impl/index.ts');
    const inWorker = runCase(guard(impl, 5000), config, workload, allProperties, { record: true });
    const inProcess = runCase(guard(impl, 0), config, workload, allProperties, { record: true });
    expect(inWorker.failure).toBeNull();
    expect(inWorker.records).toEqual(inProcess.records);
  });

  it("carries the implementation's own error across, as a failure of that step", async () => {
    const r = runCase(guard(await loadImplementation('test/fixtures/adapters/throws-on-free.ts'), 5000), config, workload, allProperties);
    expect(r.failure).toMatchObject({ property: NO_CRASH, step: 4, violation: { message: 'the step threw: TypeError: free is not implemented yet' } });
  });

  it('stops a hanging step after the time limit and fails that step', async () => {
    const factory = guard(await loadImplementation('test/fixtures/adapters/hangs-on-reset.ts'), 300);
    const r = runCase(factory, config, workload, allProperties);
    expect(r.failure).toMatchObject({ property: NO_CRASH, step: 5, command: { kind: 'reset' } });
    expect(r.failure!.violation.message).toBe('the step threw: StepTimeout: no answer to `reset g0` within 300 ms; the worker running the implementation was stopped');
    // The next case gets a fresh worker and runs normally up to the hang.
    const again = runCase(factory, config, workload.slice(0, 5), allProperties, { noDrain: true });
    expect(again.failure).toBeNull();
  });

  it('reports a malformed observation from the worker naming the field', () => {
    const r = runCase(guard(unchecked('malformed-observation.ts'), 5000), config, workload, allProperties);
    expect(r.failure).toMatchObject({ property: NO_CRASH, step: -1 });
    expect(r.failure!.violation.message).toMatch(/^creating the system threw: MalformedObservation: guests\[0\]\.p2m: expected Int32Array of length 64/);
  });

  it('reports a module the worker cannot load as such, not as a timeout', () => {
    const r = runCase(guard(unchecked('throws-on-import.ts'), 5000), config, workload, allProperties);
    expect(r.failure!.violation.message).toBe('creating the system threw: WorkerGone: the worker could not load the implementation: cannot open /dev/fake-balloon: no such device');
    expect(r.failure!.violation.message).not.toMatch(/StepTimeout/);
  });
});

describe('guardImplementation on a factory that misbehaves only for some configurations', () => {
  it('reports a factory that returns nothing as a failure to create the system', () => {
    const impl: LoadedImplementation = { factory: () => undefined as never, name: 'x', modulePath: null, exportName: 'default' };
    const r = runCase(guard(impl, 0), config, workload, allProperties);
    expect(r.failure).toMatchObject({ property: NO_CRASH, step: -1, violation: { message: 'creating the system threw: MalformedSystem: the factory returned nothing (undefined)' } });
  });
});
