#!/usr/bin/env node
// The `balloon` command. Installed from the registry, the package holds the compiled command
// line (dist/, built by `npm run build` before packing) and no TypeScript sources: it runs that,
// without tsx. In a clone, where cli/main.ts is beside this file, it runs the sources through tsx
// instead, so that the command always matches the code being edited and needs no build step.
// User adapters written in TypeScript load either way (adapters/load.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
