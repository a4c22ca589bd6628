import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();

describe('balloon check', () => {
  it('passes on the reference implementation and prints a summary table', async () => {
    expect(await main(['check', '--runs', '200', '--seed', '3'])).toBe(0);
    expect(io.out).toMatch(/no-double-mapping\s+always\s+\d+\s+\d+\s+held/);
    expect(io.out).toMatch(/conformance\s+always\s+\d+\s+\d+\s+held/);
    expect(io.out).toContain('all 89 properties held (5 families)');
    expect(io.out).toContain('seed 3');
  });
  it('checks only the named properties', async () => {
    expect(await main(['check', '--runs', '50', '--seed', '3', '--property', 'isolation', '--property', 'progress', '--json'])).toBe(0);
    const r = JSON.parse(io.out);
    // Each family checks the named properties it has: isolation is shared, progress is virtio's, VMware's and VirtualBox's.
    expect(r.properties.map((p: { family: string; name: string }) => `${p.family}:${p.name}`)).toEqual(['virtio:isolation', 'virtio:progress', 'xen:isolation', 'vmware:isolation', 'vmware:progress', 'hyperv:isolation', 'virtualbox:isolation', 'virtualbox:progress']);
    expect(r.ok).toBe(true);
  });
  it.each([
    [['check', '--property', 'nope'], /^balloon: --property: unknown property "nope"; known: no-double-mapping, /],
    [['check', '--runs', 'ten'], /^balloon: --runs: expected a whole number from 1 to 10000000, got "ten"\n$/],
    [['check', '--seed', '-4'], /^balloon: --seed: expected a whole number/],
    [['check', '--frobnicate'], /^balloon: unknown option '--frobnicate' \(valid for check: --property, --runs, --seed, --max-commands, --out, --json, --profile, --family, --impl, --step-timeout, --fault, --html, --reach, --help\)\n$/],
    [['chek'], /^balloon: unknown command 'chek'\n\(Did you mean check\?\)\n$/],
    [['check', '--fault', 'gremlins'], /^balloon: --fault: unknown virtio fault "gremlins" \(known: oom-deadlock, .*\)\n$/],
    // A key every object has is not a fault: the one check looks at FAULTS' own keys.
    [['check', '--fault', 'constructor'], /^balloon: --fault: unknown virtio fault "constructor" \(known: /],
    [['check', '--fault', 'oom-deadlock', '--step-timeout', '1000'], /^balloon: --fault cannot be combined with --step-timeout/],
    [['check', '--fault', 'oom-deadlock', '--impl', 'examples/array-impl/index.ts'], /^balloon: --fault: faults exist only in the reference implementation; drop --impl or --fault\n$/],
    [['check', '--impl', './nowhere/x.ts'], /^balloon: --impl \.\/nowhere\/x\.ts: module not found/],
    [['chart', '--format', 'mermaid', '--update', 'package.json'], /^balloon: --update: package.json has no chart markers; add a line <!-- chart:virtio-guest:begin -->/],
    // Node 20's recursive mkdir never returns under /proc: this used to hang.
    [['check', '--runs', '5', '--out', '/proc/balloon-nope'], /^balloon: --out \/proc\/balloon-nope: cannot create \/proc\/balloon-nope \(ENOENT\)\n$/],
    [['check', '--runs', '5', '--out', 'package.json/x'], /^balloon: --out package.json\/x: .*package.json is not a directory\n$/],
  ])('%j is unusable input: one line, exit 2', async (argv, msg) => {
    expect(await main(argv)).toBe(2);
    expect(io.err).toMatch(msg);
    expect(io.err).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('balloon list', () => {
  it('--json gives arrays of named entries', async () => {
    expect(await main(['list', '--json'])).toBe(0);
    const l = JSON.parse(io.out);
    expect(Array.isArray(l.families) && l.families.length > 0).toBe(true);
    for (const f of l.families) {
      expect(typeof f.name).toBe('string');
      for (const k of ['commands', 'charts', 'properties', 'hostileRequests', 'faults']) expect(Array.isArray(f[k]) && f[k].length > 0, `${f.name}.${k}`).toBe(true);
      for (const k of ['properties', 'hostileRequests', 'faults']) for (const e of f[k]) expect(typeof e.name).toBe('string');
      expect(['guest', 'host'], f.name).toContain(f.hostileSender);
    }
    const virtio = l.families.find((f: { name: string }) => f.name === 'virtio');
    expect(virtio.properties).toHaveLength(27);
    expect(virtio.faults.length).toBeGreaterThanOrEqual(15);
  });
  it('heads each family\'s hostile requests with the side that sends them', async () => {
    expect(await main(['list', '--family', 'virtio', '--family', 'hyperv'])).toBe(0);
    // Hyper-V's hostile requests are messages from the host, which the guest must refuse.
    expect(io.out).toMatch(/virtio: hostile requests\n[^\n]*what the guest sends/);
    expect(io.out).toMatch(/hyperv: hostile requests\n[^\n]*what the host sends/);
    expect(io.out).not.toMatch(/hyperv: hostile requests\n[^\n]*what the guest sends/);
  });
});

describe('a reader that stops early', () => {
  it('balloon chart | head: exit 141 (SIGPIPE), no stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['bin/balloon.js', 'chart', '--family', 'xen', '--format', 'mermaid'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    // The reader is gone before the first write, as with `| head -0`: every write meets EPIPE.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).not.toMatch(/EPIPE|\bat .*:\d+/);
    expect(code).toBe(141);
  }, 30_000);
});
