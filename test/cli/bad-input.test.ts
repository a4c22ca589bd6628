/**
 * Bad input found by a review of the command line (each was a defect): it gets one line and
 * exit 2, and changes nothing. A replay with an adapter of another family used to hang with its
 * worker threads alive; `view --out` and `replay --html` naming the trace itself overwrote it with
 * the page; a bad flag left the --out folder behind; --step-timeout went unchecked without
 * --impl; `hint --fault` given twice kept the last; commander's own errors printed nothing on
 * stdout under --json; `view --impl` opened every module as virtio; `chart --update` with two begin
 * markers dropped the text between them.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { captureCli } from '../helpers/cli.ts';

const io = captureCli();
const root = mkdtempSync(join(tmpdir(), 'balloon-bad-input-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const VIRTIO = 'traces/corpus/inflate-deflate-cycle.json';
const XEN = 'traces/corpus/xen-cancelled-above-target.json';
const oneLine = () => expect(io.err.trim().split('\n')).toHaveLength(1);

describe('replay', () => {
  it('a trace of another family than the --impl module is unusable, the others replay, and the command ends', async () => {
    expect(await main(['replay', VIRTIO, XEN, '--impl', 'examples/array-impl/index.ts'])).toBe(2);
    expect(io.err).toMatch(/^balloon: traces\/corpus\/xen-cancelled-above-target\.json: a xen trace cannot replay on --impl examples\/array-impl\/index\.ts: the module implements the virtio family, not xen/m);
    expect(io.err).not.toContain('--family');
    expect(io.out).toMatch(/1 held, .*1 unusable/);
  }, 60_000);
  it('--step-timeout is checked without --impl too', async () => {
    expect(await main(['replay', VIRTIO, '--step-timeout', 'abc'])).toBe(2);
    expect(io.err).toMatch(/^balloon: --step-timeout: expected a whole number/);
    oneLine();
  });
});

describe('view', () => {
  it('--impl opens the module as the trace\'s family', async () => {
    const out = join(root, 'xen.html');
    expect(await main(['view', XEN, '--impl', 'examples/xen-flat/index.ts', '--step-timeout', '0', '--out', out])).toBe(0);
    expect(existsSync(out)).toBe(true);
  }, 60_000);
});

describe('a page written over the trace itself', () => {
  it.each([['replay', '--html'], ['view', '--out']])('%s %s naming the trace is refused, and the trace is left as it was', async (command, flag) => {
    const file = join(root, `${command}.json`);
    copyFileSync(VIRTIO, file);
    expect(await main([command, file, flag, file])).toBe(2);
    expect(io.err).toMatch(new RegExp(`${flag} .*: is the trace itself`));
    oneLine();
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(VIRTIO, 'utf8'));
  });
});

describe('a bad flag leaves no --out folder behind', () => {
  it.each([
    [['check', '--family', 'nope']],
    [['explore', '--variant', 'nope']],
    [['explore', '--impl', '/nonexistent/module.mjs']],
    [['qemu', '--variant', 'nope']],
    [['xen', '--seed', 'abc']],
  ])('%j', async (argv) => {
    const out = join(root, `out-${argv.join('-').replace(/\W/g, '')}`);
    expect(await main([...argv, '--out', out])).toBe(2);
    oneLine();
    expect(existsSync(out)).toBe(false);
  });
});

describe('chart --update with markers out of order', () => {
  it.each([
    ['two begin markers', 'a\n<!-- chart:virtio-guest:begin -->\nkeep me\n<!-- chart:virtio-guest:begin -->\nold\n<!-- chart:virtio-guest:end -->\n', /has 2 begin and 1 end marker\(s\) of chart virtio-guest/],
    ['the end before the begin', 'a\n<!-- chart:virtio-guest:end -->\nkeep me\n<!-- chart:virtio-guest:begin -->\n', /has the end marker of chart virtio-guest before its begin marker/],
  ])('%s: refused, the file unchanged', async (_what, text, says) => {
    const file = join(root, 'doc.md');
    writeFileSync(file, text);
    expect(await main(['chart', '--format', 'mermaid', '--update', file])).toBe(2);
    expect(io.err).toMatch(says);
    oneLine();
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('other flags', () => {
  it('hint --fault given twice is refused (the last would silently win)', async () => {
    expect(await main(['hint', '--fault', 'hint-stale-id', '--fault', 'hint-cmd-twice'])).toBe(2);
    expect(io.err).toMatch(/takes one fault; "hint-stale-id" and "hint-cmd-twice" were given/);
  });
  it('under --json, an unknown option still prints JSON on stdout', async () => {
    expect(await main(['check', '--json', '--bogus'])).toBe(2);
    expect(JSON.parse(io.out)).toEqual({ ok: false, exitCode: 2, error: "unknown option '--bogus'" });
  });
});
