/**
 * `balloon view`, and `--html` on replay and check: a page is written where asked and its path
 * printed; unusable input is one line, exit 2, and writes nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();
let dir = '';
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'balloon-view-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

it('writes one self-contained page and prints where', async () => {
  const page = join(dir, 'ua.html');
  expect(await main(['view', 'traces/zoo/unaligned-target.json', '--out', page])).toBe(0);
  expect(io.out).toMatch(new RegExp(`^viewer: wrote ${page} \\(11 steps, \\d+ KiB; reproduced\\): open file://${page}\\n$`));
  const html = readFileSync(page, 'utf8');
  // Nothing to fetch: no src or href to anything but data: URLs, and a policy that forbids fetching.
  expect(html).not.toMatch(/\b(src|href)="(?!data:)/);
  expect(html).toContain("default-src 'none'");
  expect(html).toContain('unaligned-target');
});

it.each([
  ['traces/corpus/xen-cancelled-above-target.json', 'held', 'xen-thread'],
  ['traces/corpus/vmware-fault-reset-keeps-locked.json', 'reproduced', 'vmware-driver'],
  ['traces/corpus/hyperv-unballoon-in-parts.json', 'held', 'hyperv-guest'],
  ['traces/corpus/virtualbox-smp-queue-and-close.json', 'held', 'virtualbox-host'],
])('draws a trace of every family: %s', async (file, verdict, chart) => {
  const page = join(dir, 'f.html');
  expect(await main(['view', file, '--out', page])).toBe(0);
  expect(io.out).toMatch(new RegExp(`; ${verdict}\\): open file://`));
  expect(readFileSync(page, 'utf8')).toContain(chart);
});

it('defaults to the trace\'s name with .html', async () => {
  const trace = join(dir, 't.json');
  writeFileSync(trace, readFileSync('traces/zoo/double-inflate.json'));
  expect(await main(['view', trace])).toBe(0);
  expect(existsSync(join(dir, 't.html'))).toBe(true);
});

it.each([
  [['view', 'no/such.json'], /^balloon: no\/such\.json: /],
  [['view', 'traces/zoo/double-inflate.json', '--out', 'no/such/dir/x.html'], /^balloon: --out no\/such\/dir\/x\.html: folder no\/such\/dir does not exist\n$/],
  [['replay', 'traces/zoo/double-inflate.json', 'traces/zoo/oom-deadlock.json', '--html', 'x.html'], /^balloon: --html: writes the page of one trace; 2 were given\n$/],
])('unusable: %j is one line, exit 2, nothing written', async (argv, msg) => {
  const before = readdirSync(dir).length;
  expect(await main(argv as string[])).toBe(2);
  expect(io.err).toMatch(msg);
  expect(io.err.trim().split('\n')).toHaveLength(1);
  expect(readdirSync(dir)).toHaveLength(before);
});

it('replay --html writes the page beside its report, with the replay\'s exit code', async () => {
  const page = join(dir, 'r.html');
  expect(await main(['replay', 'traces/zoo/double-inflate.json', '--html', page])).toBe(1);
  expect(io.out).toContain('verdict: reproduced');
  expect(io.out).toContain(`viewer: wrote ${page}`);
  expect(existsSync(page)).toBe(true);
});

it('check --html writes a page beside each saved counterexample', async () => {
  expect(await main(['check', '--fault', 'discard-not-propagated', '--property', 'no-double-mapping', '--seed', '1', '--runs', '300', '--out', dir, '--html'])).toBe(1);
  const files = readdirSync(dir).sort();
  expect(files).toHaveLength(2);
  expect(files[1]).toBe(files[0].replace(/\.html$/, '.json'));
  expect(io.out).toContain(`viewer: wrote ${join(dir, files[0])}`);
});
