/**
 * Every family's folder can be imported first: no import cycle through properties/families.ts
 * leaves a family undefined in FAMILIES (vitest then ran the campaign with an undefined family,
 * and every Xen check failed with "the configuration names no known family"). Each entry point is
 * imported first in a fresh process, as a user's script or a test file would.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FAMILIES } from '../../properties/families.ts';

const names = FAMILIES.map((f) => f.name);
const ENTRIES = [
  ...names.map((n) => `properties/${n}/index.ts`),
  ...names.map((n) => `properties/${n}/family.ts`),
  'properties/runner.ts', 'properties/campaign.ts', 'properties/exhaustive.ts', 'properties/index.ts',
].filter((f, i, all) => existsSync(f) && all.indexOf(f) === i);

describe('import order', () => {
  it.each(ENTRIES)('importing %s first leaves every family registered', (entry) => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'test/fixtures/import-order/first.ts', entry], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(names);
  }, 60_000);
});
