/**
 * The main-thread side of running an implementation in a worker thread, so that a step which
 * never returns (a `while (true)` in a device model) can be stopped: a synchronous hang can only
 * be interrupted from another thread. Calls stay synchronous for the runner: post the request,
 * then Atomics.wait on a flag in shared memory with the step's time limit, then take the answer
 * off the port with receiveMessageOnPort. On timeout the worker is terminated, the step fails
 * with StepTimeout, and the next system gets a fresh worker. A worker that ends (process.exit in
 * the implementation, an exception escaping it) answers with why before it goes (worker.ts), and
 * the next system gets a fresh worker too.
 * @internal
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Command, Observation, StepResult, SystemConfig } from '../core/virtio/index.ts';
import { ImplementationFault, RemoteError } from './faults.ts';
import type { Output, Request, Response, WorkerData } from './protocol.ts';

export interface WorkerHostOptions {
  modulePath: string | null;
  exportName: 'default' | 'createSystem';
  /** The protocol family: its reference implementation runs when modulePath is null. */
  family: string;
  /** A command as counterexamples print it (the family's formatCommand), for messages. */
  format(command: Command): string;
  /** Limit per request, ms. */
  stepTimeoutMs: number;
  /** Limit for the first request of a new worker, which also loads tsx and the module, ms. */
  startTimeoutMs: number;
}

/** What the implementation wrote to stdout and stderr over the whole run, kept apart from the report. */
export interface CapturedOutput { bytes: number; excerpt: string }
const EXCERPT_KEPT = 2000;

/** One worker at a time; replaced after a timeout or once it has ended. */
export class WorkerHost {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private flag: Int32Array | null = null;
  /** Bumped per worker, so a system of a stopped worker knows it is gone. */
  private generation = 0;
  private nextSystem = 1;
  /** Why the last worker was stopped, for systems that outlived it. */
  private stoppedBecause = 'an earlier step timed out';
  readonly captured: CapturedOutput = { bytes: 0, excerpt: '' };
  /** A worker was started and asked to load the module; its answer is not read yet. */
  private loading = false;

  constructor(private readonly o: WorkerHostOptions) {}

  /**
   * Start a worker and load the module in it (import, pick the factory): what `--impl` does, so
   * that no code of the module runs in the tool's own thread. `probe` then tries it once.
   * @throws RemoteError named UsageError (the module is unusable), or ImplementationFault.
   */
  load(): void {
    if (this.worker === null) this.start();
    this.call({ op: 'load' }, this.o.startTimeoutMs, 'loading the module');
  }

  /** Build one system on `config` in the worker and observe it once (adapters/load.ts probeFamily judges it). */
  probe(config: unknown): Observation {
    return this.call({ op: 'probe', config }, this.o.stepTimeoutMs, 'building one system on a small valid configuration').obs!;
  }

  /** Create a system in the worker (starting one if needed); its first observation. */
  create(config: SystemConfig): { sys: number; generation: number; obs: Observation } {
    if (this.worker === null) this.startLoading();
    if (this.loading) {
      this.loading = false;
      try {
        this.wait(this.o.startTimeoutMs, 'loading the module');
      } catch (e) {
        this.stop();
        if (e instanceof ImplementationFault) throw e;
        throw new ImplementationFault('WorkerGone', `the worker could not load the implementation: ${(e as Error).message.replace(/^failed to load: /, '')}`);
      }
    }
    const sys = this.nextSystem++;
    const res = this.call({ op: 'create', sys, config }, this.o.stepTimeoutMs, 'creating the system');
    return { sys, generation: this.generation, obs: res.obs! };
  }

  apply(sys: number, generation: number, command: Command): { result: StepResult; obs: Observation } {
    this.alive(generation);
    const label = `\`${this.o.format(command)}\``;
    const res = this.call({ op: 'apply', sys, command, label }, this.o.stepTimeoutMs, label);
    return { result: res.result!, obs: res.obs! };
  }

  /** Stop the worker (tests; the process does not wait for it anyway: it is unref'd). */
  stop(): void {
    this.loading = false;
    const w = this.worker;
    this.worker = null;
    this.port?.close();
    this.port = null;
    if (w) void w.terminate();
  }

  private alive(generation: number): void {
    if (generation !== this.generation || this.worker === null) {
      throw new ImplementationFault('WorkerGone', `the worker running this system was stopped after ${this.stoppedBecause}`);
    }
  }

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    const data: WorkerData = { port: port2, flag: shared, modulePath: this.o.modulePath, exportName: this.o.exportName, family: this.o.family };
    // stdout/stderr: true keeps whatever slips past worker.ts's capture out of the tool's own
    // streams; it is read (when the event loop runs) into the same record.
    this.worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: data, transferList: [port2], stdout: true, stderr: true });
    for (const s of [this.worker.stdout, this.worker.stderr]) s.on('data', (b: Buffer) => this.keep({ text: b.toString(), bytes: b.length }));
    this.worker.on('error', () => {});
    this.worker.unref();
    port1.unref();
    this.port = port1;
    this.flag = new Int32Array(shared);
    this.generation++;
  }

  private keep(out: Output): void {
    this.captured.bytes += out.bytes;
    if (this.captured.excerpt.length < EXCERPT_KEPT) this.captured.excerpt += out.text.slice(0, EXCERPT_KEPT - this.captured.excerpt.length);
  }

  /**
   * Start a worker and ask it to load the module without waiting: after a timeout or a death,
   * the replacement boots (a thread, tsx, the module: the slow part) while the main thread goes
   * on with the next case, which would otherwise pay for it in full each time (shrinking a hang
   * runs dozens of cases that hang).
   */
  private startLoading(): void {
    this.start();
    this.send({ op: 'load' });
    this.loading = true;
  }

  private call(req: Request, timeoutMs: number, what: string): Extract<Response, { ok: true }> {
    this.send(req);
    return this.wait(timeoutMs, what);
  }

  private send(req: Request): void {
    // -1: the worker has ended (or could not start) and has posted why (worker.ts).
    if (Atomics.load(this.flag!, 0) !== -1) {
      Atomics.store(this.flag!, 0, 0);
      this.port!.postMessage(req);
    }
  }

  private wait(timeoutMs: number, what: string): Extract<Response, { ok: true }> {
    const flag = this.flag!;
    if (!waitForAnswer(flag, timeoutMs)) {
      this.stoppedBecause = 'an earlier step timed out';
      this.stop();
      this.startLoading();
      throw new ImplementationFault('StepTimeout', `no answer to ${what} within ${timeoutMs} ms; the worker running the implementation was stopped`);
    }
    const msg = receiveMessageOnPort(this.port!);
    if (!msg) {
      this.stop();
      throw new ImplementationFault('WorkerGone', `the worker raised its flag for ${what} without an answer`);
    }
    const res = msg.message as Response;
    if (res.output) this.keep(res.output);
    // Only the answer that says so ends the worker: a death after an answer is read next time.
    if (!res.ok && res.final) {
      this.stoppedBecause = `it ended (${res.error.message})`;
      this.stop();
      this.startLoading();
    }
    if (!res.ok) throw new RemoteError(res.error.name, res.error.message);
    return res;
  }
}

/**
 * Wait until the flag leaves 0 or `timeoutMs` pass; false on timeout. Atomics.wait can return
 * 'ok' with the flag still 0: the worker notifies just after raising the flag, and when the main
 * thread saw the flag before that notify, the notify may land in the wait for the next request
 * (seen once in ~10,000 steps). So a wake-up counts only if the flag moved.
 */
function waitForAnswer(flag: Int32Array, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (Atomics.load(flag, 0) !== 0) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(flag, 0, 0, left);
  }
}
