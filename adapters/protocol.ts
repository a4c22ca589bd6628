/**
 * Messages between the main thread and the worker that runs an implementation. Each request gets
 * exactly one response, posted on the port before the worker raises the flag in shared memory
 * that the main thread waits on (Atomics.wait): the call is synchronous for the caller.
 * @internal
 */
import type { MessagePort } from 'node:worker_threads';
import type { Command, Observation, StepResult, SystemConfig } from '../core/index.ts';

export interface WorkerData {
  port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: slot 0 is 0 while a request is pending, 1 once answered. */
  flag: SharedArrayBuffer;
  /** Absolute path of the module; null for the reference implementation. */
  modulePath: string | null;
  exportName: 'default' | 'createSystem';
}

export type Request =
  | { op: 'create'; sys: number; config: SystemConfig }
  | { op: 'apply'; sys: number; command: Command };

export type Response =
  | { ok: true; result?: StepResult; obs: Observation }
  | { ok: false; error: { name: string; message: string } };

/** Live systems the worker keeps; creating one more drops the oldest (a case needs one, a differential test two). */
export const MAX_LIVE_SYSTEMS = 8;
