/**
 * The viewer in a real browser: Debian's chromium, headless, through playwright-core
 * (bench/browser.ts). Pages are generated from zoo counterexamples and opened from disk; the
 * tests read what the page shows (its small `window.balloonViewer` API, the DOM and the canvas
 * pixels) and compare it with a replay of the same trace (test/viewer/helpers.ts).
 * Skipped, saying why, where /usr/bin/chromium is missing; CI installs it (.ci/run).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, launchChromium } from '../../bench/browser.ts';
import { viewTrace } from '../../cli/commands/view.ts';
import { guestConfig, guestId, systemConfig, type Command } from '../../core/virtio/index.ts';
import { buildTrace, factoryForTrace, loadTrace, serializeTrace } from '../../traces/index.ts';
import { familyByName } from '../../properties/families.ts';
import { observedSteps, type Snap } from './helpers.ts';
import { extractViewerData } from '../../viewer/index.ts';

const missing = chromiumMissing();
if (missing) console.warn(`test/viewer/browser.test.ts skipped: ${missing}`);

interface Opened { page: Page; errors: string[]; requests: string[]; url: string }

describe.skipIf(missing !== null)('the viewer in chromium', () => {
  let browser: Browser;
  let dir: string;
  const pages = new Map<string, string>();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'balloon-viewer-'));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Write the page of a zoo trace (or of a trace file in `dir`) once and open it, recording console errors and every request. */
  async function open(name: string, hash = '', file = `traces/zoo/${name}.json`): Promise<Opened> {
    let html = pages.get(name);
    if (!html) { html = join(dir, `${name}.html`); viewTrace(file, html); pages.set(name, html); }
    const url = pathToFileURL(html).href;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url + hash);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 10_000 });
    return { page, errors, requests, url };
  }
  const step = (p: Page) => p.evaluate(() => (window as any).balloonViewer.step() as number);
  const hash = (p: Page) => p.evaluate(() => location.hash);

  it('opens from disk at the failing step, marked with the property and its message, with no error and no request', async () => {
    const { page, errors, requests, url } = await open('discard-not-propagated');
    const { trace } = observedSteps('traces/zoo/discard-not-propagated.json');
    if (trace.expect.verdict !== 'fail') throw new Error('zoo trace expected to fail');
    expect(await step(page)).toBe(trace.expect.step);
    const box = page.locator('#step-failure');
    expect(await box.isVisible()).toBe(true);
    expect(await box.innerText()).toContain(`${trace.expect.property} failed after this step`);
    expect(await box.innerText()).toContain(trace.expect.message!);
    expect(await page.locator('#log tr.cur td.mark').innerText()).toBe('>>');
    // One step earlier nothing has failed yet.
    await page.keyboard.press('ArrowLeft');
    expect(await box.isVisible()).toBe(false);
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('moves with the slider, the buttons and the keyboard, and keeps the step in the URL', async () => {
    const { page, errors } = await open('unaligned-target');
    const n = await page.evaluate(() => (window as any).balloonViewer.steps as number);
    expect(n).toBeGreaterThan(4);
    await page.locator('#slider').fill('2');
    expect(await step(page)).toBe(2);
    expect(await hash(page)).toBe('#step=2');
    await page.click('#next');
    expect(await step(page)).toBe(3);
    await page.click('#prev');
    await page.click('#prev');
    expect(await step(page)).toBe(1);
    await page.keyboard.press('Home');
    expect(await step(page)).toBe(0);
    await page.keyboard.press('ArrowRight');
    expect(await step(page)).toBe(1);
    await page.keyboard.press('End');
    expect(await step(page)).toBe(n - 1);
    expect(await hash(page)).toBe(`#step=${n - 1}`);
    await page.keyboard.press('ArrowLeft');
    expect(await step(page)).toBe(n - 2);
    expect(await page.locator('#step-no').innerText()).toBe(String(n - 2));
    // Editing the fragment moves the page; a fresh load honours it.
    await page.evaluate(() => { location.hash = '#step=1'; });
    await page.waitForFunction(() => (window as any).balloonViewer.step() === 1);
    expect(errors).toEqual([]);
    await page.close();
    const again = await open('unaligned-target', '#step=3');
    expect(await step(again.page)).toBe(3);
    expect(await again.page.locator('#slider').inputValue()).toBe('3');
    await again.page.close();
  });

  it.each(['discard-not-propagated', 'partial-host-page-discard', 'reuse-before-ack'])('%s: frames and pages at every step are the replay\'s', async (name) => {
    const { page } = await open(name);
    const { snaps } = observedSteps(`traces/zoo/${name}.json`);
    for (let i = 0; i < snaps.length; i++) {
      const shown = await page.evaluate((k) => {
        const v = (window as any).balloonViewer;
        v.go(k);
        const owner: number[] = []; const ownerGpfn: number[] = [];
        const n = Number(document.querySelector<HTMLCanvasElement>('#frames')!.dataset.count);
        for (let f = 0; f < n; f++) { owner.push(v.frameOwner(f)); ownerGpfn.push(v.frameGpfn(f)); }
        const guests = [...document.querySelectorAll<HTMLCanvasElement>('canvas[id^="pages-"]')].map((c, g) => {
          const m = Number(c.dataset.count);
          return { state: Array.from({ length: m }, (_, j) => v.pageState(g, j)), ball: Array.from({ length: m }, (_, j) => v.hostBallooned(g, j)), p2m: Array.from({ length: m }, (_, j) => v.p2m(g, j)) };
        });
        return { step: v.step(), owner, ownerGpfn, guests };
      }, i);
      const want: Snap = snaps[i];
      expect(shown.step).toBe(i);
      expect(shown.owner, `${name} step ${i}`).toEqual(want.owner);
      expect(shown.ownerGpfn, `${name} step ${i}`).toEqual(want.ownerGpfn);
      expect(shown.guests.map((g) => g.state)).toEqual(want.pageState);
      expect(shown.guests.map((g) => g.ball)).toEqual(want.hostBallooned);
      expect(shown.guests.map((g) => g.p2m)).toEqual(want.p2m);
    }
    await page.close();
  });

  it('paints each frame in its owner\'s colour on the canvas', async () => {
    const { page } = await open('discard-not-propagated');
    const { snaps } = observedSteps('traces/zoo/discard-not-propagated.json');
    const at = 1; // after `alloc g0 1`: one frame mapped by guest 0
    expect(snaps[at].owner.filter((o) => o === 0)).toHaveLength(1);
    const pixels = await page.evaluate((k) => {
      (window as any).balloonViewer.go(k);
      const c = document.querySelector<HTMLCanvasElement>('#frames')!;
      const cell = Number(c.dataset.cell); const cols = Number(c.dataset.cols); const n = Number(c.dataset.count);
      const ctx = c.getContext('2d')!;
      return Array.from({ length: n }, (_, f) => {
        const d = ctx.getImageData((f % cols) * cell + Math.floor(cell / 2), Math.floor(f / cols) * cell + Math.floor(cell / 2), 1, 1).data;
        return `#${[d[0], d[1], d[2]].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
      });
    }, at);
    const colour = (o: number) => (o === -1 ? '#e6e6e6' : o === -2 ? '#3b3b3b' : '#4e79a7');
    // Cells the step changed carry a thin outline; their centre still shows the owner.
    expect(pixels).toEqual(snaps[at].owner.map(colour));
    await page.close();
  });

  it('highlights the chart states the model was in, and lists where model and implementation differ', async () => {
    const { page } = await open('unaligned-target');
    const { trace } = observedSteps('traces/zoo/unaligned-target.json');
    if (trace.expect.verdict !== 'fail') throw new Error('zoo trace expected to fail');
    expect(await step(page)).toBe(trace.expect.step);
    const named = /in \[([^\]]+)\]/.exec(trace.expect.message!)![1].split(' ');
    const lit = await page.evaluate(() => (window as any).balloonViewer.highlighted(0) as string[]);
    expect(lit.sort()).toEqual([...named].sort());
    expect(await page.locator('.chart .st.on').count()).toBe(named.length);
    expect(await page.locator('#step-failure .diff').innerText()).toContain('deflateq in flight: implementation 1, model 0');
    // Step 0 (set-target) leaves the driver idle with work pending: another highlight.
    await page.keyboard.press('Home');
    expect(await page.evaluate(() => (window as any).balloonViewer.highlighted(0) as string[])).not.toEqual(lit);
    await page.close();
  });

  it('jumps anywhere in a long trace, back and forth across keyframes, to the replay\'s state', async () => {
    // 600 workload steps: the page keeps a keyframe every 64 steps, so jumps back restore one.
    const g = guestId(0);
    const commands: Command[] = [];
    for (let i = 0; i < 100; i++) {
      commands.push({ kind: 'set-target', guest: g, pages: (i * 37) % 96 }, { kind: 'driver', guest: g }, { kind: 'device', guest: g, queue: 'inflate' },
        { kind: 'device', guest: g, queue: 'deflate' }, { kind: 'alloc', guest: g, pages: 3, pick: i }, { kind: 'free', guest: g, pages: 2, pick: i * 5 });
    }
    const config = systemConfig({ hostFrames: 300, guests: [guestConfig({ ramPages: 128 })] });
    const file = join(dir, 'long.json');
    writeFileSync(file, serializeTrace(buildTrace({ config, commands, properties: ['frames-conserved', 'no-double-mapping'], failure: null })));
    const { page, errors } = await open('long', '', file);
    const { snaps } = observedSteps(file);
    expect(snaps.length).toBeGreaterThan(600);
    expect(snaps[400].owner).not.toEqual(snaps[5].owner);
    expect(await page.evaluate(() => (window as any).balloonViewer.keyframeEvery)).toBe(64);
    for (const i of [snaps.length - 1, 5, 400, 399, 130, 64, 63, 0, 257, 600, 1]) {
      const shown = await page.evaluate((k) => {
        const v = (window as any).balloonViewer;
        v.go(k);
        return { owner: Array.from({ length: 300 }, (_, f) => v.frameOwner(f)), state: Array.from({ length: 128 }, (_, j) => v.pageState(0, j)) };
      }, i);
      expect(shown.owner, `step ${i}`).toEqual(snaps[i].owner);
      expect(shown.state, `step ${i}`).toEqual(snaps[i].pageState[0]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each(readdirSync('traces/zoo').filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')))(
    'zoo %s: opens at its failing step without an error or a request', async (name) => {
      const { page, errors, requests, url } = await open(name);
      const trace = JSON.parse(readFileSync(`traces/zoo/${name}.json`, 'utf8'));
      const n = await page.evaluate(() => (window as any).balloonViewer.steps as number);
      expect(await step(page)).toBe(trace.expect.step < 0 ? n - 1 : trace.expect.step);
      expect(await page.locator('#step-failure .fail-head').first().innerText()).toContain(trace.expect.property);
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      await page.close();
    },
  );

  it.each([
    'xen-cancelled-above-target', 'vmware-fault-reset-keeps-locked', 'hyperv-fault-unballoon-truncated-hv-counters-match', 'virtualbox-smp-queue-and-close',
  ])('corpus %s: another family\'s charts, lit as its conformance monitor steps them, without an error', async (name) => {
    const file = `traces/corpus/${name}.json`;
    const { page, errors, requests, url } = await open(name, '', file);
    const { data } = extractViewerData(...viewerArgs(file));
    // One drawing per chart copy, each with its states lit as the data says, at the first and last steps.
    expect(await page.locator('.chart').count()).toBeGreaterThanOrEqual(data.instances.length);
    const n = data.steps.length;
    for (const k of [0, n - 1]) {
      await page.evaluate((i) => (window as any).balloonViewer.go(i), k);
      for (let i = 0; i < data.instances.length; i++) {
        const lit = await page.evaluate((j) => (window as any).balloonViewer.highlighted(j) as string[], i);
        expect(lit.sort(), `step ${k} ${data.instances[i].label}`).toEqual(data.stateTable[data.steps[k].a[i]].split(' ').sort());
      }
    }
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
});

/** The arguments `balloon view` replays a trace of any family with. */
function viewerArgs(file: string) {
  const trace = loadTrace(file);
  const family = familyByName(trace.family);
  return [trace, { factory: factoryForTrace(trace, file), properties: family.properties, conformance: family.properties.find((p) => p.name === 'conformance'), file }] as const;
}
