/**
 * The free page hinting chart (model/virtio/hinting-machine.ts) as a diagram: the block in
 * docs/families/virtio.md is the current one, and Mermaid's own parser accepts it.
 */
import { loadMermaid, type Mermaid } from '../helpers/mermaid.ts';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toMermaid, updateDocBlocks } from '../../model/mermaid.ts';
import { hintMachine } from '../../model/virtio/hinting-machine.ts';

let mermaid: Mermaid;

beforeAll(async () => { mermaid = await loadMermaid(); }, 60_000);

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
