/**
 * The worker side: loads the implementation, then answers requests one at a time. Every answer
 * carries a fresh observation, cloned by postMessage, so the main thread needs no second round
 * trip to observe after a step.
 * @internal
 */
import { workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import type { SystemFactory, SystemUnderTest } from '../core/index.ts';
import { MAX_LIVE_SYSTEMS, type Request, type Response, type WorkerData } from './protocol.ts';

const data = workerData as WorkerData;
const flag = new Int32Array(data.flag);

const factory: SystemFactory = data.modulePath === null
  ? (await import('../impl/index.ts')).createReferenceSystem
  : (await import(pathToFileURL(data.modulePath).href))[data.exportName];

const systems = new Map<number, SystemUnderTest>();

function handle(req: Request): Response {
  if (req.op === 'create') {
    const sys = factory(req.config);
    systems.set(req.sys, sys);
    for (const id of systems.keys()) if (systems.size > MAX_LIVE_SYSTEMS) systems.delete(id);
    return { ok: true, obs: sys.observe() };
  }
  const sys = systems.get(req.sys);
  if (!sys) return { ok: false, error: { name: 'WorkerGone', message: `system ${req.sys} was dropped: at most ${MAX_LIVE_SYSTEMS} live systems per worker` } };
  const result = sys.apply(req.command);
  return { ok: true, result, obs: sys.observe() };
}

const errorOf = (e: unknown) => (e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) });

data.port.on('message', (req: Request) => {
  let res: Response;
  try { res = handle(req); } catch (e) { res = { ok: false, error: errorOf(e) }; }
  try {
    data.port.postMessage(res);
  } catch (e) {
    // Not cloneable (a function or a class instance with private state in the result).
    data.port.postMessage({ ok: false, error: { name: 'MalformedStepResult', message: `cannot be sent between threads: ${errorOf(e).message}` } });
  }
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
