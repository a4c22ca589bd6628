/**
 * The free page hinting chart (model/virtio/hinting-machine.ts) as a diagram: the block in
 * docs/families/virtio.md is the current one, and Mermaid's own parser accepts it.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toMermaid, updateDocBlocks } from '../../model/mermaid.ts';
import { hintMachine } from '../../model/virtio/hinting-machine.ts';

type Mermaid = { parse(text: string): Promise<unknown> };
let mermaid: Mermaid;

beforeAll(async () => {
  const { JSDOM } = await import('jsdom');
  const dom = new JSDOM('<!doctype html><html><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  Object.defineProperty(globalThis, 'navigator', { value: dom.window.navigator, configurable: true });
  mermaid = (await import('mermaid')).default as unknown as Mermaid;
}, 60_000);

describe('the hinting chart as a diagram', () => {
  it('docs/families/virtio.md holds the current diagram', () => {
    const doc = readFileSync('docs/families/virtio.md', 'utf8');
    expect(doc).toContain('<!-- chart:virtio-hinting:begin');
    expect(doc, 'stale: write updateDocBlocks(doc, { \'virtio-hinting\': hintMachine }) back to docs/families/virtio.md').toBe(updateDocBlocks(doc, { 'virtio-hinting': hintMachine }));
  });

  it('parses as stateDiagram-v2, with every guard named', async () => {
    const text = toMermaid(hintMachine);
    for (const g of ['newIdAllowed', 'startAllowed', 'stopAllowed', 'hintAllowed', 'processAllowed', 'driverMayIdle']) expect(text).toContain(`[${g}]`);
    await expect(mermaid.parse(text)).resolves.toBeTruthy();
  });
});
