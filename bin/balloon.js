#!/usr/bin/env node
// Runs the TypeScript command line through tsx, so that `npx balloon` works from a clone and
// user adapters written in TypeScript load without a build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register();
const { main } = await import(fileURLToPath(new URL('../cli/main.ts', import.meta.url)));
process.exitCode = await main(process.argv.slice(2));
