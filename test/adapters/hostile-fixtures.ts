/** Shared by the hostile-adapter tests: where the fixtures are, and the syntax-error fixture's setup. */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export const DIR = 'test/fixtures/adapters/hostile';
export const fixture = (name: string) => `${DIR}/${name}.ts`;
/** A per-step limit small enough that shrinking a hang stays quick. */
export const STEP_MS = '500';

/**
 * The syntax error lives as .txt (so tsc and eslint skip it); copy it to a .ts file next to the
 * others for the tests of one file, and remove it after them.
 */
export function withSyntaxError(name = 'syntax-error'): void {
  const path = join(DIR, `${name}.ts`);
  copyFileSync(join(DIR, 'syntax-error.txt'), path);
  afterAll(() => rmSync(path, { force: true }));
}
