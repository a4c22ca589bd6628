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
}

export type Request =
  /** Import the module and pick its factory (adapters/load.ts). */
  | { op: 'load' }
  /** Try the factory once on PROBE_CONFIG, as loadImplementation does. */
  | { op: 'probe' }
  | { op: 'create'; sys: number; config: SystemConfig }
  | { op: 'apply'; sys: number; command: Command };

/** What the implementation wrote to stdout and stderr while answering (bounded, see worker.ts). */
export interface Output { text: string; bytes: number }

export type Response =
  | { ok: true; result?: StepResult; obs?: Observation; exportName?: 'default' | 'createSystem'; output?: Output }
  /** `final`: the worker is ending; the main thread starts a new one for the next system. */
  | { ok: false; error: { name: string; message: string }; output?: Output; final?: boolean };

/** Live systems the worker keeps; creating one more drops the oldest (a case needs one, a differential test two). */
export const MAX_LIVE_SYSTEMS = 8;

/**
 * The most effects one step may report. The largest step of the reference implementation
 * processes one buffer of at most maxBatch (≤ 4096, core/virtio/config.ts) gpfns, each of which may map
 * or release a frame and be listed as accepted or refused: about 3 × 4096 effects. 65,536 leaves
 * five times that; a step reporting more is a flood (a loop that never ends its list), and is
 * refused in the worker before it is cloned, so it ends in milliseconds with a named failure.
 */
export const MAX_EFFECTS_PER_STEP = 65_536;
