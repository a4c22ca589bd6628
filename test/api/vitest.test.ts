/**
 * balloonSuite (api/vitest.ts) used as a user would, inside this suite: it registers one test
 * per property of the family, each of which runs that property on the factory and throws its
 * failure message. Here on each family's reference implementation, so every registered test must
 * pass; test/pkg/pack.test.ts runs a broken adapter through it from the installed package.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { balloonSuite } from '../../api/vitest.ts';
import { FAMILIES } from '../../properties/index.ts';

const out = mkdtempSync(join(tmpdir(), 'balloon-suite-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
for (const family of FAMILIES) balloonSuite(family, family.reference, { runs: 10, seed: 3, out });
