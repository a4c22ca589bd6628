/**
 * Proof from the outside (issue 25): pack the package as `npm publish` would (prepack builds
 * dist/), install the tarball into an empty project with nothing but its dependencies (and
 * vitest, TypeScript for the second way), and use it there as README says: `balloon --help`,
 * a campaign on the reference implementation, README's TypeScript adapter through `--impl`, a
 * vitest file through `balloon-testbed/vitest`, README's library example, and the types. A
 * deliberately broken adapter must fail the vitest suite, with the seed, fast-check's path and
 * a saved trace in the message, and that trace must replay to the same failure and open in the
 * viewer. An internal
 * module must not be importable.
 *
 * Dependencies come from npm's cache when it has them (`--prefer-offline`; CI's `npm ci` has
 * just filled it), else from the registry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readmeFiles } from './readme-files.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const README = readmeFiles(readFileSync(join(ROOT, 'README.md'), 'utf8'));

// A child vitest must not think it runs inside this one.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(VITEST|NODE_OPTIONS$|TEST$)/.test(k)));
// README's vitest file takes its seed from FC_SEED, as a user's would: fixed here, as in CI.
env.FC_SEED = process.env.FC_SEED ?? '1';
delete env.FORCE_COLOR;
env.NO_COLOR = '1';

let dir = '';
function run(cmd: string, args: string[], timeout = 120_000): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', timeout });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
/** `npx COMMAND ARGS`, never fetching COMMAND from the registry (`--`: npx keeps no option of the command's). */
const npx = (...args: string[]) => run('npx', ['--no', '--', ...args]);
const balloon = (...args: string[]) => npx('balloon', ...args);

// Each step starts processes (npm, node, vitest, tsc); on a loaded 2-core machine, give them room.
describe('the packed package, installed in an empty project', { timeout: 180_000 }, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'balloon-pack-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `./${tarball}`,
      `vitest@${pkg.devDependencies.vitest}`, `typescript@${pkg.devDependencies.typescript}`, `@types/node@${pkg.devDependencies['@types/node']}`],
    { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 240_000 });
    for (const [name, text] of README) writeFileSync(join(dir, name), text);
  }, 480_000);
  afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('README defines the files this test runs', () => {
    expect([...README.keys()].sort()).toEqual(['balloon.test.ts', 'example.ts', 'my-adapter.ts']);
  });

  it('holds compiled code and no TypeScript source', () => {
    const files = readdirSync(join(dir, 'node_modules', 'balloon-testbed'), { recursive: true }) as string[];
    expect(files).toContain(join('dist', 'cli', 'main.js'));
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('balloon --help runs', () => {
    const r = balloon('--help');
    expect(r.out).toMatch(/Usage: balloon/);
    expect(r.out).toMatch(/check \[options\]/);
    expect(r.status).toBe(0);
  });

  it('balloon check runs every family on the reference implementation', () => {
    const r = balloon('check', '--runs', '20', '--seed', '1');
    expect(r.out).toMatch(/all \d+ properties held \(\d+ families\)/);
    expect(r.status).toBe(0);
  });

  it('balloon check --impl loads README\'s TypeScript adapter', () => {
    const r = balloon('check', '--runs', '20', '--seed', '1', '--impl', 'my-adapter.ts');
    expect(r.out).toMatch(/implementation my-adapter\.ts/);
    expect(r.out).toMatch(/all \d+ properties held/);
    expect(r.status).toBe(0);
  });

  it('a TypeScript adapter with a syntax error is one line and exit 2', () => {
    writeFileSync(join(dir, 'broken.ts'), 'export default 1 +;\n');
    const r = balloon('check', '--runs', '5', '--seed', '1', '--impl', 'broken.ts');
    expect(r.out.trim()).toMatch(/^balloon: --impl broken\.ts: failed to load: syntax error at .*broken\.ts:1:\d+/);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
  });

  it('README\'s library example runs', () => {
    const r = npx('tsx', 'example.ts');
    expect(r.out.trim()).toBe('every property held');
    expect(r.status).toBe(0);
  });

  it('README\'s vitest file passes on README\'s adapter', () => {
    const r = npx('vitest', 'run', 'balloon.test.ts');
    expect(r.out).toMatch(/Tests\s+\d+ passed/);
    expect(r.status).toBe(0);
  });

  it('the vitest entry fails a broken adapter with seed, path and a trace that replays', () => {
    writeFileSync(join(dir, 'buggy-adapter.ts'), [
      "import { referenceWithFaults, type SystemConfig, type SystemUnderTest } from 'balloon-testbed';",
      // A seeded bug of the zoo: the device accepts a gpfn it already holds (impl/virtio/faults.ts).
      "export default (config: SystemConfig): SystemUnderTest => referenceWithFaults(['double-inflate'])(config);",
    ].join('\n'));
    writeFileSync(join(dir, 'buggy.test.ts'), [
      "import { balloonSuite } from 'balloon-testbed/vitest';",
      "import createSystem from './buggy-adapter.ts';",
      "balloonSuite('virtio', createSystem, { runs: 200, seed: 1, module: './buggy-adapter.ts', out: 'found' });",
    ].join('\n'));
    const r = npx('vitest', 'run', 'buggy.test.ts');
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/seed: 1 \(pass \{ seed: 1 \}/);
    expect(r.out).toMatch(/fast-check: \{ seed: \d+, path: "[\d:]+" \}/);
    const trace = /trace: (found\/[\w-]+\.json)/.exec(r.out)?.[1];
    expect(trace).toBeDefined();
    const replay = balloon('replay', trace!, '--impl', './buggy-adapter.ts');
    // A failure that replays as the file expects is still a failure: exit 1 (cli/commands/replay.ts).
    expect(replay.out).toMatch(/verdict: reproduced: \w[\w-]* failed at step \d+, as the file expects/);
    expect(replay.status).toBe(1);
    // The viewer reads its in-page script beside its compiled module (viewer/page.ts).
    const view = balloon('view', trace!, '--impl', './buggy-adapter.ts', '--out', 'found/page.html');
    expect(view.out).toMatch(/viewer: wrote found\/page\.html .*reproduced/);
    expect(view.status).toBe(0);
    expect(readFileSync(join(dir, 'found', 'page.html'), 'utf8')).toContain('function applyRuns(');
  });

  it('the types resolve through the exports map', () => {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: ['node'] },
      files: [...README.keys()],
    }));
    const r = npx('tsc', '-p', '.');
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('internal modules are not importable', () => {
    const r = run('node', ['--input-type=module', '-e', "await import('balloon-testbed/dist/core/ids.js')"]);
    expect(r.out).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
    expect(r.status).not.toBe(0);
  });
});
