import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { virtio } from '../../properties/virtio/family.ts';
import { toMermaid, updateDocBlocks } from '../../model/mermaid.ts';
import { chartInventory } from '../../model/inventory.ts';

describe('Mermaid charts', () => {
  const m = virtio.charts['virtio-guest'];

  it('draws every state and every transition of the machine', () => {
    const text = toMermaid(m);
    expect(text.startsWith('stateDiagram-v2\n')).toBe(true);
    const inv = chartInventory(m);
    for (const s of inv.states) expect(text).toContain(`as virtio_guest_${s.split('.').join('_')}`);
    for (const t of inv.transitions) expect(text).toContain(`${t.event}${t.guard ? ` [${t.guard}]` : ''}`);
    // Parallel regions are concurrent regions.
    expect(text).toMatch(/\n {4}--\n/);
  });

  it('README.md embeds the current diagrams', () => {
    const doc = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(doc, 'README.md is stale: run `npx balloon chart --format mermaid --update README.md`').toBe(updateDocBlocks(doc, virtio.charts));
    expect(doc).toContain(toMermaid(m));
  });

  it('docs/MODEL.md embeds the current diagrams', () => {
    const doc = readFileSync(new URL('../../docs/MODEL.md', import.meta.url), 'utf8');
    expect(doc, 'docs/MODEL.md is stale: run `npx tsx cli/main.ts chart --format mermaid --update docs/MODEL.md`').toBe(updateDocBlocks(doc, virtio.charts));
    expect(doc).toContain(toMermaid(m));
  });
});
