/**
 * docs/viewer.png: the viewer on a zoo counterexample that shows a frame problem
 * (discard-not-propagated: the host frees a frame the guest still maps), at its failing step.
 * Run: npx tsx bench/viewer-screenshot.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { viewTrace } from '../cli/commands/view.ts';
import { launchChromium } from './browser.ts';

const trace = process.argv[2] ?? 'traces/zoo/discard-not-propagated.json';
const out = process.argv[3] ?? 'docs/viewer.png';
const html = join(mkdtempSync(join(tmpdir(), 'balloon-shot-')), 'trace.html');
viewTrace(trace, html);
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
await page.goto(pathToFileURL(html).href);
await page.waitForSelector('body[data-ready="1"]');
await page.screenshot({ path: out });
await browser.close();
console.log(`wrote ${out}`);
