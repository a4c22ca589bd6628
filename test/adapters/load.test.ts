/** adapters/load.ts: every way a module can be unusable is one line that says what to fix. */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { UsageError } from '../../cli/errors.ts';
import { loadImplementation } from '../../adapters/load.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';

const FIXTURES = 'test/fixtures/adapters';
const fixture = (name: string) => `${FIXTURES}/${name}`;

/** The UsageError a load fails with (and that it is one line). */
async function loadError(spec: string): Promise<string> {
  const e = await loadImplementation(spec).then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(UsageError);
  const message = (e as UsageError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('loadImplementation', () => {
  it("loads 'reference' as the reference factory", async () => {
    const impl = await loadImplementation('reference');
    expect(impl).toMatchObject({ name: 'reference', modulePath: null });
    expect(impl.factory).toBe(createReferenceSystem);
  });

  it('loads a default export, resolved against the working directory', async () => {
    const impl = await loadImplementation('examples/array-impl/index.ts');
    expect(impl.name).toBe('examples/array-impl/index.ts');
    expect(impl.modulePath).toBe(resolve('examples/array-impl/index.ts'));
    expect(impl.exportName).toBe('default');
  });

  it('loads a module that exports createSystem instead of a default', async () => {
    const impl = await loadImplementation(fixture('named-create-system.ts'));
    expect(impl.exportName).toBe('createSystem');
    expect(impl.factory).toBe(createReferenceSystem);
  });

  it('resolves against the cwd it is given', async () => {
    const impl = await loadImplementation('index.ts', resolve('examples/array-impl'));
    expect(impl.modulePath).toBe(resolve('examples/array-impl/index.ts'));
  });

  it.each([
    ['a missing file', 'test/fixtures/adapters/nowhere.ts', `--impl test/fixtures/adapters/nowhere.ts: module not found (${resolve(FIXTURES, 'nowhere.ts')})`],
    ['a directory', FIXTURES, `--impl ${FIXTURES}: module not found (${resolve(FIXTURES)})`],
    ['a module that throws on import', fixture('throws-on-import.ts'), `--impl ${fixture('throws-on-import.ts')}: failed to load: cannot open /dev/fake-balloon: no such device`],
    ['no default and no createSystem export', fixture('no-default-export.ts'), `--impl ${fixture('no-default-export.ts')}: no default export and no export named createSystem; export the SystemFactory as one of them`],
    ['a default export that is not a function', fixture('default-not-function.ts'), `--impl ${fixture('default-not-function.ts')}: the default export is not a function (a SystemFactory), it is an object`],
    ['a factory that throws', fixture('factory-throws.ts'), `--impl ${fixture('factory-throws.ts')}: the factory threw on a small valid configuration: RangeError: only one guest is supported`],
    ['a system without observe', fixture('missing-observe.ts'), `--impl ${fixture('missing-observe.ts')}: the system lacks \`observe\` (expected a method, got nothing (undefined))`],
    ['a malformed observation', fixture('malformed-observation.ts'), `--impl ${fixture('malformed-observation.ts')}: observe() returned a malformed observation: guests[0].p2m: expected Int32Array of length 64, got Array of length 64 (and 1 more)`],
  ])('refuses %s with one line', async (_what, spec, message) => {
    expect(await loadError(spec)).toBe(message);
  });

  it('exits with code 2 through UsageError', async () => {
    const e = await loadImplementation(fixture('nowhere.ts')).catch((x: UsageError) => x);
    expect((e as UsageError).exitCode).toBe(2);
  });
});
