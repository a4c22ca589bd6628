/**
 * `--impl` at the command line: an unusable module is one line on stderr and exit 2; a working
 * one runs, for every command that takes --impl.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();

const TRACE = 'traces/corpus/deflate-on-oom.json';
const broken = ['nowhere.ts', 'throws-on-import.ts', 'no-default-export.ts', 'default-not-function.ts', 'factory-throws.ts', 'missing-observe.ts', 'malformed-observation.ts'];

describe.each(['replay', 'check', 'conform'])('balloon %s --impl', (command) => {
  const argv = (module: string) => (command === 'replay' ? ['replay', TRACE, '--impl', module] : [command, '--runs', '20', '--seed', '1', '--impl', module]);

  it.each(broken)('refuses test/fixtures/adapters/%s with one line and exit 2', async (name) => {
    expect(await main(argv(`test/fixtures/adapters/${name}`))).toBe(2);
    expect(io.err).toMatch(/^balloon: --impl[ :].+\n$/);
    expect(io.err.trim()).not.toContain('\n');
  });

  it('runs the example implementation', async () => {
    expect(await main(argv('examples/array-impl/index.ts'))).toBe(0);
  });
});
