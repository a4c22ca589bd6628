/**
 * `npm run bench:viewer`: does the viewer stay usable on a large trace? A 10,000-command trace
 * on 4 guests of 2^16 gpfns each (built through the library: the workload's generator keeps
 * systems small), replayed and written as a page, opened in headless chromium (bench/browser.ts);
 * measures the page's size, how long it takes to open, and how long a step takes (one forward,
 * one back, a random jump). Writes bench/VIEWER.md.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { guestConfig, guestId, type Command, type SystemConfig } from '../core/virtio/index.ts';
import { buildTrace, serializeTrace } from '../traces/index.ts';
import { viewTrace } from '../cli/commands/view.ts';
import { launchChromium } from './browser.ts';

interface Timing { mean: number; p50: number; max: number; seek: number; draw: number }

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 10_000);
const GUESTS = 4;
const GPFNS = 1 << 16;

/**
 * Busy but legal: each guest in turn gets a new target (up to a quarter of its memory, so
 * batches of 256 gpfns go in and out), allocates and frees pages, and driver and device take
 * turns. A fixed linear congruential sequence picks the numbers, so every run builds the same trace.
 */
function workload(n: number): Command[] {
  let x = 12345;
  const next = (m: number) => { x = (x * 1103515245 + 12345) % 2 ** 31; return x % m; };
  const out: Command[] = [];
  while (out.length < n) {
    const guest = guestId(next(GUESTS));
    const r = next(100);
    if (r < 4) out.push({ kind: 'set-target', guest, pages: next(GPFNS / 4) });
    else if (r < 12) out.push({ kind: 'alloc', guest, pages: 1 + next(512), pick: next(1 << 20) });
    else if (r < 18) out.push({ kind: 'free', guest, pages: 1 + next(512), pick: next(1 << 20) });
    else if (r < 22) out.push({ kind: 'write', guest, pick: next(1 << 20) });
    else if (r < 60) out.push({ kind: 'driver', guest });
    else out.push({ kind: 'device', guest, queue: r < 80 ? 'inflate' : 'deflate' });
  }
  return out;
}

const config: SystemConfig = {
  family: 'virtio', hostFrames: GUESTS * GPFNS + 1024, reservedFrames: 1024, hostPageGpfns: 1, maxBatch: 256,
  guests: Array.from({ length: GUESTS }, () => guestConfig({ ramPages: GPFNS, floorPages: 1024 })),
};

const dir = mkdtempSync(join(tmpdir(), 'balloon-bench-viewer-'));
const file = join(dir, 'big.json');
const properties = ['no-double-mapping', 'frames-conserved', 'balloon-pages-untouched', 'counters-match', 'conformance'];
writeFileSync(file, serializeTrace(buildTrace({ config, commands: workload(COMMANDS), properties, failure: null })));
const html = join(dir, 'big.html');
let t = performance.now();
const viewed = viewTrace(file, html);
const writeMs = performance.now() - t;
process.stderr.write(`page written in ${(writeMs / 1000).toFixed(1)} s\n`);
const bytes = statSync(html).size;

const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const errors: string[] = [];
page.on('pageerror', (e) => errors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
t = performance.now();
await page.goto(`${pathToFileURL(html).href}#step=0`);
await page.waitForSelector('body[data-ready="1"]', { timeout: 120_000 });
const openMs = performance.now() - t;
// A string, not a function: tsx's transform would add helpers the page does not have.
const MEASURE = `(() => {
  const v = window.balloonViewer;
  const time = (moves) => {
    const ms = [];
    let seek = 0, draw = 0;
    for (const to of moves) { const t0 = performance.now(); v.go(to); ms.push(performance.now() - t0); seek += v.timing.seekMs; draw += v.timing.renderMs; }
    ms.sort((a, b) => a - b);
    return { mean: ms.reduce((a, b) => a + b, 0) / ms.length, p50: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1], seek: seek / ms.length, draw: draw / ms.length };
  };
  const n = v.steps;
  const forward = time(Array.from({ length: 300 }, (_, i) => 1000 + i));
  const back = time(Array.from({ length: 300 }, (_, i) => 1298 - i));
  let x = 7;
  const jumps = time(Array.from({ length: 100 }, () => { x = (x * 48271) % 2147483647; return x % n; }));
  v.go(0);
  const mem = performance.memory ? performance.memory.usedJSHeapSize : NaN;
  return { steps: n, keyframeEvery: v.keyframeEvery, scriptMs: v.scriptMs, scriptStartMs: v.scriptStartMs, forward, back, jumps, heapMiB: mem / 2 ** 20 };
})()`;
const inPage = await page.evaluate(MEASURE) as {
  steps: number; keyframeEvery: number; scriptMs: number; scriptStartMs: number; heapMiB: number;
  forward: Timing; back: Timing; jumps: Timing;
};
if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT, fullPage: true });
// The keyboard, end to end through the browser's input pipeline: 50 presses of →.
t = performance.now();
for (let i = 0; i < 50; i++) await page.keyboard.press('ArrowRight');
await page.waitForFunction('window.balloonViewer.step() === 50');
const keyMs = (performance.now() - t) / 50;
await browser.close();
rmSync(dir, { recursive: true, force: true });

const f = (x: number) => x.toFixed(1);
const md = `# The viewer on a large trace

\`npm run bench:viewer\` (bench/viewer.ts): ${COMMANDS.toLocaleString('en')} workload commands on ${GUESTS} guests of 2^16 gpfns each
(${config.hostFrames.toLocaleString('en')} host frames), replayed with ${properties.length} properties and written as one page, then opened in
headless chromium (Debian's, via playwright-core) from disk. Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, shared with other jobs.

| figure | value |
|---|---|
| steps in the page (workload + fair drain) | ${inPage.steps.toLocaleString('en')} |
| replay and write the page (node) | ${f(writeMs / 1000)} s |
| page size | ${f(bytes / 2 ** 20)} MiB |
| open: navigation until the first step is drawn | ${f(openMs)} ms |
| of which loading and parsing the file, until the page's script starts | ${f(inPage.scriptStartMs)} ms |
| of which the page's script (decode, keyframes every ${inPage.keyframeEvery} steps, first draw) | ${f(inPage.scriptMs)} ms |
| one step forward (300 steps): mean / median / max (mean rebuilding the state + drawing) | ${f(inPage.forward.mean)} / ${f(inPage.forward.p50)} / ${f(inPage.forward.max)} ms (${f(inPage.forward.seek)} + ${f(inPage.forward.draw)}) |
| one step back (300 steps): mean / median / max (mean rebuilding the state + drawing) | ${f(inPage.back.mean)} / ${f(inPage.back.p50)} / ${f(inPage.back.max)} ms (${f(inPage.back.seek)} + ${f(inPage.back.draw)}) |
| jump to a random step (100 jumps): mean / median / max (mean rebuilding the state + drawing) | ${f(inPage.jumps.mean)} / ${f(inPage.jumps.p50)} / ${f(inPage.jumps.max)} ms (${f(inPage.jumps.seek)} + ${f(inPage.jumps.draw)}) |
| → key, end to end through playwright (50 presses) | ${f(keyMs)} ms per press |
| JS heap after the runs | ${f(inPage.heapMiB)} MiB |
| console errors | ${errors.length} |

A step rebuilds the state (forward: the step's deltas; back or far: a copy of the nearest keyframe plus at most
${inPage.keyframeEvery} deltas), then redraws ${(config.hostFrames + GUESTS * GPFNS).toLocaleString('en')} cells on canvases. Each move is
synchronous: the page does not answer input while one runs, so the max column is the longest the page is unresponsive
after opening. The figures are one run on a shared machine (other jobs running); rerun to compare.
`;
writeFileSync('bench/VIEWER.md', md);
process.stdout.write(md);
process.stdout.write(`(verdict of the replay: ${viewed.verdict})\n`);
if (errors.length) { process.stderr.write(`page errors: ${errors.join('; ')}\n`); process.exitCode = 1; }
