/**
 * The worker side: loads the implementation, then answers requests one at a time. Every answer
 * carries a fresh observation, cloned by postMessage, so the main thread needs no second round
 * trip to observe after a step.
 *
 * The implementation is foreign code, so this side also keeps it apart from the tool (issue #13):
 * - what it writes to stdout and stderr is captured here and sent back with each answer, never
 *   written where the tool's report (or its `--json`) goes;
 * - `process.exit(N)` answers the pending request with ProcessExit and unwinds the implementation
 *   instead of ending anything (a real exit would leave the main thread waiting out its limit);
 * - an exception or rejection that escapes it (a throw in a timer callback) answers the pending
 *   or the next request with EscapedException; the thread ending for any other reason it can
 *   still see answers with WorkerExited, and the main thread starts a new worker;
 * - `apply`, `observe` and the factory may return Promises: they are awaited (docs/ADAPTERS.md).
 * @internal
 */
import { workerData } from 'node:worker_threads';
import { describeThrown, oneLine, type Observation, type SystemFactory, type SystemUnderTest } from '../core/virtio/index.ts';
import { UsageError } from '../core/usage.ts';
import { ImplementationFault } from './faults.ts';
import { importFactory, probeSystem } from './module.ts';
import { describeValue } from '../core/shape.ts';
import { MAX_EFFECTS_PER_STEP, MAX_LIVE_SYSTEMS, type Output, type Request, type Response, type WorkerData } from './protocol.ts';

const data = workerData as WorkerData;
const flag = new Int32Array(data.flag);

/** Output kept per answer: enough for an excerpt in a report; the byte count says how much there was. */
const OUTPUT_KEPT = 4096;
let output: Output = { text: '', bytes: 0 };
const captureTo = (stream: NodeJS.WriteStream) => {
  stream.write = ((chunk: unknown, enc?: unknown, cb?: unknown) => {
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString();
    output.bytes += Buffer.byteLength(s);
    if (output.text.length < OUTPUT_KEPT) output.text += s.slice(0, OUTPUT_KEPT - output.text.length);
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
};
captureTo(process.stdout);
captureTo(process.stderr);

/** What the thread is doing, for messages: "during `driver g0`", or "after" it between requests. */
let doing = 'loading the module';
/** The request being answered: its number, and whether it still waits for its answer. */
let seq = 0;
let pending = false;
/** A fault that happened between requests: the answer to the next one. */
let queued: Response | null = null;
let dead = false;

/** Answer request `of` (a later answer to a request already answered is dropped). */
function answer(res: Response, of: number, final = false): void {
  if (dead || !pending || of !== seq) return;
  if (output.bytes > 0) { res.output = output; output = { text: '', bytes: 0 }; }
  try {
    data.port.postMessage(res);
  } catch (e) {
    // Not cloneable (a function or a class instance with private state in the result).
    data.port.postMessage({ ok: false, error: { name: 'MalformedStepResult', message: `the answer to ${doing} cannot be sent between threads: ${describeThrown(e)}` } });
  }
  pending = false;
  dead = final;
  Atomics.store(flag, 0, final ? -1 : 1);
  Atomics.notify(flag, 0);
}

/**
 * Something the implementation did outside the step's own result (process.exit, an exception
 * escaping from a timer): it answers the pending request, or else the next one. The thread stays
 * up: every case builds a fresh system, so the next one can run here without paying for a new
 * worker (a shrink of such a failure runs dozens of cases).
 */
function fault(name: 'ProcessExit' | 'EscapedException', message: string): void {
  const res: Response = { ok: false, error: { name, message: `${message} ${pending ? 'during' : 'after'} ${doing}` } };
  if (pending) answer(res, seq);
  else queued ??= res;
}

/** Thrown by process.exit to unwind the implementation's stack without ending the thread. */
class ProcessExitSignal extends Error {}

process.exit = ((code?: unknown) => {
  const n = code === undefined ? 0 : typeof code === 'number' ? code : describeValue(code);
  fault('ProcessExit', `the implementation called process.exit(${n})`);
  throw new ProcessExitSignal('process.exit');
}) as typeof process.exit;
process.on('uncaughtException', (e) => { if (!(e instanceof ProcessExitSignal)) fault('EscapedException', `an exception escaped the implementation (${describeThrown(e)})`); });
process.on('unhandledRejection', (e) => { if (!(e instanceof ProcessExitSignal)) fault('EscapedException', `a rejected Promise escaped the implementation (${describeThrown(e)})`); });
// The thread ending for a reason it can still see: answer (now, or the next request) and go.
process.on('exit', (code) => {
  const res: Response = { ok: false, final: true, error: { name: 'WorkerExited', message: `the worker ended with code ${code} ${pending ? 'during' : 'after'} ${doing}` } };
  if (pending) answer(res, seq, true);
  else if (!dead) {
    dead = true;
    data.port.postMessage(res);
    Atomics.store(flag, 0, -1);
    Atomics.notify(flag, 0);
  }
});

// The family's reference implementation unless a module is loaded (`load`): the family registry
// is imported only then, so a worker running a user's module never loads it.
let factory: SystemFactory | null = data.modulePath === null ? (await import('../properties/families.ts')).familyByName(data.family).reference as SystemFactory : null;
const systems = new Map<number, SystemUnderTest>();

async function handle(req: Request): Promise<Response> {
  if (req.op === 'load') {
    if (data.modulePath === null) return { ok: true };
    const fail = (what: string) => new UsageError(what);
    const loaded = await importFactory(data.modulePath, fail);
    factory = loaded.factory;
    return { ok: true, exportName: loaded.exportName };
  }
  if (req.op === 'probe') {
    if (factory === null) throw new ImplementationFault('WorkerGone', 'a system was asked for before the module was loaded');
    return { ok: true, obs: await probeSystem(factory, req.config) as Observation };
  }
  if (req.op === 'create') {
    if (factory === null) throw new ImplementationFault('WorkerGone', 'a system was asked for before the module was loaded');
    const sys: unknown = await factory(req.config);
    for (const m of ['apply', 'observe']) {
      if (typeof (sys as Record<string, unknown> | null)?.[m] !== 'function') {
        throw new ImplementationFault('MalformedSystem', `the factory returned ${sys === null || typeof sys !== 'object' ? describeValue(sys) : `a system without \`${m}\``}`);
      }
    }
    systems.set(req.sys, sys as SystemUnderTest);
    for (const id of systems.keys()) if (systems.size > MAX_LIVE_SYSTEMS) systems.delete(id);
    return { ok: true, obs: await (sys as SystemUnderTest).observe() };
  }
  const sys = systems.get(req.sys);
  if (!sys) return { ok: false, error: { name: 'WorkerGone', message: `system ${req.sys} was dropped: at most ${MAX_LIVE_SYSTEMS} live systems per worker` } };
  const result = await sys.apply(req.command);
  // Refused before it is cloned: a flood of effects would otherwise take seconds to cross over.
  const effects: unknown = (result as { effects?: unknown } | null)?.effects;
  if (Array.isArray(effects) && effects.length > MAX_EFFECTS_PER_STEP) {
    throw new ImplementationFault('MalformedStepResult', `result.effects: ${effects.length} effects in one step, more than the ${MAX_EFFECTS_PER_STEP} a step may report (adapters/protocol.ts)`);
  }
  return { ok: true, result, obs: await sys.observe() };
}

/** An error as name and message, one bounded line, whatever was thrown (name '' for a non-Error). */
function errorOf(e: unknown): { name: string; message: string } {
  const text = describeThrown(e);
  if (!(e instanceof Error)) return { name: '', message: text };
  let name = 'Error';
  try { if (typeof e.name === 'string' && e.name) name = oneLine(e.name).slice(0, 64); } catch { /* a throwing getter */ }
  return { name, message: text.startsWith(`${name}: `) ? text.slice(name.length + 2) : text };
}

data.port.on('message', async (req: Request) => {
  const mine = ++seq;
  pending = true;
  doing = req.op === 'load' ? 'loading the module' : req.op === 'probe' ? 'building one system on a small valid configuration'
    : req.op === 'create' ? 'creating a system' : req.label;
  if (queued) {
    const res = queued;
    queued = null;
    answer(res, mine);
    return;
  }
  let res: Response;
  try { res = await handle(req); } catch (e) {
    if (e instanceof ProcessExitSignal) return; // answered by process.exit
    res = { ok: false, error: e instanceof UsageError ? { name: 'UsageError', message: e.message } : errorOf(e) };
  }
  answer(res, mine);
});
