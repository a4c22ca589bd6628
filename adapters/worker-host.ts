/**
 * The main-thread side of running an implementation in a worker thread, so that a step which
 * never returns (a `while (true)` in a device model) can be stopped: a synchronous hang can only
 * be interrupted from another thread. Calls stay synchronous for the runner: post the request,
 * then Atomics.wait on a flag in shared memory with the step's time limit, then take the answer
 * off the port with receiveMessageOnPort. On timeout the worker is terminated, the step fails
 * with StepTimeout, and the next system gets a fresh worker.
 * @internal
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Command, Observation, StepResult, SystemConfig } from '../core/index.ts';
import { formatCommand } from '../core/index.ts';
import { ImplementationFault, RemoteError } from './faults.ts';
import type { Request, Response, WorkerData } from './protocol.ts';

export interface WorkerHostOptions {
  modulePath: string | null;
  exportName: 'default' | 'createSystem';
  /** Limit per request, ms. */
  stepTimeoutMs: number;
  /** Limit for the first request of a new worker, which also loads tsx and the module, ms. */
  startTimeoutMs: number;
}

/** One worker at a time; replaced after a timeout. */
export class WorkerHost {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  private flag: Int32Array | null = null;
  /** Bumped per worker, so a system of a terminated worker knows it is gone. */
  private generation = 0;
  private nextSystem = 1;

  constructor(private readonly o: WorkerHostOptions) {}

  /** Create a system in the worker (starting one if needed); its first observation. */
  create(config: SystemConfig): { sys: number; generation: number; obs: Observation } {
    const fresh = this.worker === null;
    if (fresh) this.start();
    const sys = this.nextSystem++;
    const res = this.call({ op: 'create', sys, config }, fresh ? this.o.startTimeoutMs : this.o.stepTimeoutMs, 'creating the system');
    return { sys, generation: this.generation, obs: res.obs };
  }

  apply(sys: number, generation: number, command: Command): { result: StepResult; obs: Observation } {
    this.alive(generation);
    const res = this.call({ op: 'apply', sys, command }, this.o.stepTimeoutMs, `\`${formatCommand(command)}\``);
    return { result: res.result!, obs: res.obs };
  }

  /** Stop the worker (tests; the process does not wait for it anyway: it is unref'd). */
  stop(): void {
    const w = this.worker;
    this.worker = null;
    this.port?.close();
    this.port = null;
    if (w) void w.terminate();
  }

  private alive(generation: number): void {
    if (generation !== this.generation || this.worker === null) {
      throw new ImplementationFault('WorkerGone', 'the worker running this system was stopped after an earlier step timed out');
    }
  }

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    const shared = new SharedArrayBuffer(4);
    const data: WorkerData = { port: port2, flag: shared, modulePath: this.o.modulePath, exportName: this.o.exportName };
    this.worker = new Worker(new URL('./worker-entry.js', import.meta.url), { workerData: data, transferList: [port2] });
    // An error at the top of the worker (the module threw on import) surfaces as a timeout of
    // the first call; load.ts has already imported the module once, so this is rare.
    this.worker.on('error', () => {});
    this.worker.unref();
    port1.unref();
    this.port = port1;
    this.flag = new Int32Array(shared);
    this.generation++;
  }

  private call(req: Request, timeoutMs: number, what: string): Extract<Response, { ok: true }> {
    const flag = this.flag!;
    // -1: the worker could not load the implementation and has posted why (worker-entry.js).
    if (Atomics.load(flag, 0) !== -1) {
      Atomics.store(flag, 0, 0);
      this.port!.postMessage(req);
    }
    if (Atomics.wait(flag, 0, 0, timeoutMs) === 'timed-out') {
      this.stop();
      throw new ImplementationFault('StepTimeout', `no answer to ${what} within ${timeoutMs} ms; the worker running the implementation was stopped`);
    }
    const msg = receiveMessageOnPort(this.port!);
    if (!msg) throw new ImplementationFault('WorkerGone', `the worker raised its flag for ${what} without an answer`);
    const res = msg.message as Response;
    if (Atomics.load(flag, 0) === -1) this.stop();
    if (!res.ok) throw new RemoteError(res.error.name, res.error.message);
    return res;
  }
}
