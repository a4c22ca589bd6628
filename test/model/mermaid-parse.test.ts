/**
 * `balloon chart --format mermaid` output is valid Mermaid: Mermaid's own parser (under jsdom,
 * as it expects a DOM) accepts every generated diagram, and rejects a broken one, so the check
 * can fail.
 */
import { loadMermaid, type Mermaid } from '../helpers/mermaid.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { vi } from 'vitest';

let mermaid: Mermaid;

beforeAll(async () => { mermaid = await loadMermaid(); }, 60_000);

async function chartText(): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out += String(s); return true; });
  try { expect(await main(['chart', '--format', 'mermaid'])).toBe(0); } finally { spy.mockRestore(); }
  return out;
}

describe('mermaid output', () => {
  it('every generated diagram parses as stateDiagram-v2', async () => {
    const blocks = (await chartText()).split(/\n(?=%% )/).filter((b) => b.trim());
    expect(blocks.length).toBeGreaterThan(0);
    for (const b of blocks) {
      expect(b).toContain('stateDiagram-v2');
      await expect(mermaid.parse(b)).resolves.toBeTruthy();
    }
  });

  it('the parser rejects a broken diagram', async () => {
    await expect(mermaid.parse('stateDiagram-v2\n  state "a" as x {\n    [*] -->\n')).rejects.toThrow();
  });
});
