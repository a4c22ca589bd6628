/**
 * The files README's examples define: every ```ts block whose first line is a comment naming a
 * file (`// my-adapter.ts`), with the block's indentation (inside a list item) removed. The pack
 * test writes them into a fresh project and runs them, so an example that stops working fails.
 */
export function readmeFiles(readme: string): Map<string, string> {
  const files = new Map<string, string>();
  const block = /^([ \t]*)```ts\n([\s\S]*?)^\1```/gm;
  for (const m of readme.matchAll(block)) {
    const indent = m[1];
    const lines = m[2].split('\n').map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    const name = /^\/\/ ([\w.-]+\.ts)$/.exec(lines[0] ?? '');
    if (name) files.set(name[1], lines.join('\n'));
  }
  return files;
}
