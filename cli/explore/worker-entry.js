// Entry of the worker threads of `balloon explore --workers` (cli/explore/parallel.ts, tinypool).
// As the campaign pool's entry (cli/campaign/worker-entry.js): from the sources a new thread
// registers tsx itself, since it does not inherit the parent's module hooks; from the compiled
// package it loads worker.js. Each thread runs one task, the whole search, talking on its port.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

export default async function run(data) {
  const compiled = new URL('./worker.js', import.meta.url);
  if (existsSync(compiled)) return (await import(compiled.href)).default(data);
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(new URL('./worker.ts', import.meta.url).href)).default(data);
}
