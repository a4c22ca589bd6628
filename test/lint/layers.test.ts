// The layer rule of eslint.layers.js, tried on one import per pair of folders: it must refuse
// exactly the arrows that run back up, statically and dynamically, at any depth, and allow the rest.
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAYERS } from '../../eslint.layers.js';

const FOLDERS = [...Object.keys(LAYERS), 'bench', 'test'];
let eslint: ESLint;

beforeAll(() => { eslint = new ESLint(); });

/** The rule ids that fire on `code` as if it were the file `file`. */
async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return r.messages.map((m) => m.ruleId ?? m.message);
}

describe('layers', () => {
  it.each(Object.entries(LAYERS))('%s/ may import exactly its allowed folders, at depth 1 and 2', async (folder, allowed) => {
    const refused: string[] = [];
    for (const other of FOLDERS.filter((f) => f !== folder)) {
      for (const [file, up] of [[`${folder}/x.ts`, '../'], [`${folder}/sub/x.ts`, '../../']]) {
        const found = await problems(file, `import { a } from '${up}${other}/index.ts';\nexport const b = a;\n`);
        if (found.includes('no-restricted-imports')) refused.push(other);
        else expect(found, `${file} → ${other}`).toEqual([]);
      }
    }
    const expected = FOLDERS.filter((f) => f !== folder && !(allowed as string[]).includes(f));
    expect([...new Set(refused)].sort()).toEqual(expected.sort());
    // Every refusal was made at both depths.
    expect(refused.length).toBe(expected.length * 2);
  });

  it('refuses the arrows issue 15 found running back up', async () => {
    const line = (up: string) => `import { a } from '${up}';\nexport const b = a;\n`;
    expect(await problems('adapters/load.ts', line('../cli/errors.ts'))).toEqual(['no-restricted-imports']);
    expect(await problems('traces/write-zoo.ts', line('../cli/commands/check.ts'))).toEqual(['no-restricted-imports']);
    expect(await problems('traces/load.ts', line('../qemu/trace.ts'))).toEqual(['no-restricted-imports']);
    expect(await problems('impl/x.ts', line('../model/index.ts'))).toEqual(['no-restricted-imports']);
    expect(await problems('model/x.ts', line('../impl/index.ts'))).toEqual(['no-restricted-imports']);
  });

  it('a file in a subfolder reaches its own folder by ../ without being taken for a top-level one', async () => {
    expect(await problems('properties/safety/x.ts', "import { a } from '../words.ts';\nexport const b = a;\n")).toEqual([]);
    expect(await problems('model/virtio/x.ts', "import { a } from '../index.ts';\nexport const b = a;\n")).toEqual([]);
  });

  it('refuses a dynamic import, the package name and the root index.ts the same way', async () => {
    expect(await problems('impl/x.ts', "export const m = await import('../model/index.ts');\n")).toEqual(['no-restricted-syntax']);
    expect(await problems('impl/x.ts', "export const m = await import('../core/index.ts');\n")).toEqual([]);
    expect(await problems('traces/x.ts', "import { a } from 'balloon-testbed/cli/main.ts';\nexport const b = a;\n")).toEqual(['no-restricted-imports']);
    expect(await problems('properties/x.ts', "import { a } from '../index.ts';\nexport const b = a;\n")).toEqual(['no-restricted-imports']);
    expect(await problems('core/x.ts', "export { a } from '../impl/index.ts';\n")).toEqual(['no-restricted-imports']);
  });

  it('keeps xstate and fast-check out of core/ and impl/, and fast-check out of model/', async () => {
    const uses = (pkg: string) => `import * as p from '${pkg}';\nexport const q = p;\n`;
    expect(await problems('impl/x.ts', uses('xstate'))).toEqual(['no-restricted-imports']);
    expect(await problems('core/x.ts', uses('fast-check'))).toEqual(['no-restricted-imports']);
    expect(await problems('model/virtio/x.ts', uses('fast-check'))).toEqual(['no-restricted-imports']);
    expect(await problems('model/virtio/x.ts', uses('xstate'))).toEqual([]);
  });
});
