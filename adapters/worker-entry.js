// Entry of the worker thread that runs a user's implementation (adapters/worker-host.ts). Run from
// the sources (a clone), the protocol's side (worker.ts) is TypeScript, and a new thread does not
// inherit the parent's module hooks, so it registers tsx itself first. Run from the compiled
// package (dist/adapters/, where worker.js sits beside this file), it loads worker.js directly:
// tsx is then registered only for a user's module written in TypeScript (adapters/load.ts).
// The user's module is loaded later, by the first request ('load'), so that its errors are
// answered like any other. If worker.ts itself cannot load, it answers with the error and sets
// the shared flag to -1 (dead) instead of leaving the main thread waiting for its time limit.
import { existsSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { URL } from 'node:url';

const compiled = new URL('./worker.js', import.meta.url);
try {
  if (existsSync(compiled)) {
    await import(compiled.href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    await import(new URL('./worker.ts', import.meta.url).href);
  }
} catch (e) {
  const message = e instanceof Error ? e.message : 'an unprintable error';
  workerData.port.postMessage({ ok: false, final: true, error: { name: 'WorkerGone', message: `the worker could not start: ${String(message).split('\n')[0]}` } });
  const flag = new Int32Array(workerData.flag);
  Atomics.store(flag, 0, -1);
  Atomics.notify(flag, 0);
}
