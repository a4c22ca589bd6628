/**
 * `--impl` checks a module as the family it is asked for (`--family`; replay: the trace's): the
 * module is probed on that family's configuration and held to that family's shape, and a module
 * of another family is refused in one line that names the module, the family it implements and
 * the field that tells (exit 2, nothing run).
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';
import { guardImplementation, loadImplementation, openImplementation } from '../../adapters/index.ts';
import { familyByName } from '../../properties/families.ts';
import { xenCheckConfig } from '../../properties/xen/workload.ts';

const io = captureCli();

const XEN_TRACE = 'traces/corpus/xen-cancelled-above-target.json';
const VIRTIO_TRACE = 'traces/corpus/deflate-on-oom.json';
const oneLine = () => { expect(io.err).toMatch(/^balloon: --impl .+\n$/); expect(io.err.trim()).not.toContain('\n'); };

describe('a module of another family', () => {
  it.each(['check', 'conform'])('%s --family xen refuses the virtio example by name (exit 2)', async (command) => {
    expect(await main([command, '--family', 'xen', '--runs', '5', '--seed', '1', '--impl', 'examples/array-impl/index.ts'])).toBe(2);
    oneLine();
    expect(io.err).toContain('--impl examples/array-impl/index.ts: the module implements the virtio family, not xen');
    expect(io.err).toContain('guests[0].features');
    expect(io.err).toContain('--family virtio');
  });

  it('check (virtio, the default family) refuses the Xen example by name (exit 2)', async () => {
    expect(await main(['check', '--runs', '5', '--seed', '1', '--impl', 'examples/xen-flat/index.ts'])).toBe(2);
    oneLine();
    expect(io.err).toMatch(/the module implements the xen family, not virtio: .*guests\[0\]\.xen; name its family with --family xen/);
  });

  it('names the family from the observation of a module that ignores its configuration (exit 2)', async () => {
    expect(await main(['check', '--family', 'virtio', '--runs', '5', '--seed', '1', '--impl', 'test/fixtures/adapters/xen-whatever-asked.ts'])).toBe(2);
    oneLine();
    expect(io.err).toContain('the module implements the xen family, not virtio: its observation has guests[0].xen (xen\'s) and no guests[0].features');
  });

  it('replay refuses a module of another family than the trace\'s (exit 2)', async () => {
    expect(await main(['replay', XEN_TRACE, '--impl', 'examples/array-impl/index.ts'])).toBe(2);
    // The trace is unusable on that module (the others of a replay would still run): one line, naming the file.
    expect(io.err).toMatch(new RegExp(`^balloon: ${XEN_TRACE}: a xen trace cannot replay on --impl examples/array-impl/index\\.ts: .*implements the virtio family, not xen.*\n$`));
  });

  it('says the same from code, in-process', async () => {
    await expect(loadImplementation('examples/xen-flat/index.ts', process.cwd(), familyByName('virtio'))).rejects.toThrow(/implements the xen family, not virtio/);
    await expect(openImplementation('examples/array-impl/index.ts', { family: familyByName('xen'), stepTimeout: '0' })).rejects.toThrow(/implements the virtio family, not xen/);
  });
});

describe('a Xen module checked as Xen', () => {
  it.each([
    ['check', ['check', '--family', 'xen', '--runs', '20', '--seed', '1']],
    ['conform', ['conform', '--family', 'xen', '--runs', '20', '--seed', '1']],
    ['replay', ['replay', XEN_TRACE]],
  ])('%s runs the Xen example in a worker (exit 0)', async (_name, argv) => {
    expect(await main([...argv, '--impl', 'examples/xen-flat/index.ts'])).toBe(0);
    expect(io.err).toBe('');
  });

  it('replays traces of both families on the reference in a worker, each as its own family', async () => {
    expect(await main(['replay', XEN_TRACE, VIRTIO_TRACE, '--impl', 'reference', '--step-timeout', '5000'])).toBe(0);
  });

  it('check --family xen --impl reference --step-timeout runs Xen\'s reference in the worker', async () => {
    expect(await main(['check', '--family', 'xen', '--runs', '10', '--seed', '1', '--impl', 'reference', '--step-timeout', '5000'])).toBe(0);
  });

  it('holds every answer to Xen\'s shape and names the field that is wrong', async () => {
    const xen = familyByName('xen');
    const loaded = await loadImplementation('examples/xen-flat/index.ts', process.cwd(), xen);
    const broken = guardImplementation({ ...loaded, factory: (config) => {
      const sys = loaded.factory(config);
      return { config, apply: (c) => sys.apply(c), observe: () => ({ ...sys.observe(), xen: { now: -1 } }) };
    } }, { stepTimeoutMs: 0 });
    expect(() => broken(xenCheckConfig() as never).observe()).toThrow(/^xen\.now: expected a whole number, got the number -1$/);
  });
});
