/**
 * Messages between the main thread and the worker that runs an implementation. Each request gets
 * exactly one response, posted on the port before the worker raises the flag in shared memory
 * that the main thread waits on (Atomics.wait): the call is synchronous for the caller.
 * @internal
 */
import type { MessagePort } from 'node:worker_threads';
import type { Command, Observation, StepResult, SystemConfig } from '../core/virtio/index.ts';

export interface WorkerData {
  port: MessagePort;
  /**
   * Int32Array over a SharedArrayBuffer: slot 0 is 0 while a request is pending, 1 once
   * answered, -1 once the worker is dead (it could not load the module, the implementation called
   * process.exit, or an exception escaped it): its last message says why.
   */
  flag: SharedArrayBuffer;
  /** Absolute path of the module; null for the reference implementation. */
  modulePath: string | null;
  exportName: 'default' | 'createSystem';
  /** The protocol family (properties/families.ts), whose reference implementation runs when modulePath is null. */
  family: string;
}

export type Request =
  /** Import the module and pick its factory (adapters/load.ts). */
  | { op: 'load' }
  /** Build one system on `config` and observe it once (adapters/module.ts probeSystem); the main thread judges the observation. */
  | { op: 'probe'; config: unknown }
  | { op: 'create'; sys: number; config: SystemConfig }
  /** `label`: the command as the family prints it, for the worker's messages ("during `thread g0`"). */
  | { op: 'apply'; sys: number; command: Command; label: string };

/** What the implementation wrote to stdout and stderr while answering (bounded, see worker.ts). */
export interface Output { text: string; bytes: number }

export type Response =
  | { ok: true; result?: StepResult; obs?: Observation; exportName?: 'default' | 'createSystem'; output?: Output }
  /** `final`: the worker is ending; the main thread starts a new one for the next system. */
  | { ok: false; error: { name: string; message: string }; output?: Output; final?: boolean };

/** Live systems the worker keeps; creating one more drops the oldest (a case needs one, a differential test two). */
export const MAX_LIVE_SYSTEMS = 8;

/** The most effects one step may report (core/shape.ts says why); a step reporting more is refused in the worker before it is cloned, so a flood ends in milliseconds with a named failure. */
export { MAX_EFFECTS_PER_STEP } from '../core/shape.ts';
