// Entry of the campaign pool's worker threads (cli/campaign/pool.ts, tinypool). Run from the
// sources (a clone), the task (worker.ts) is TypeScript, and a new thread does not inherit the
// parent's module hooks, so it registers tsx itself first; run from the compiled package
// (dist/cli/campaign/, where worker.js sits beside this file), it loads worker.js directly.
// Loaded once per thread, on its first task.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

let task;

async function load() {
  const compiled = new URL('./worker.js', import.meta.url);
  if (existsSync(compiled)) return (await import(compiled.href)).default;
  const { register } = await import('tsx/esm/api');
  register();
  return (await import(new URL('./worker.ts', import.meta.url).href)).default;
}

export default async function run(data) {
  task ??= await load();
  return task(data);
}
