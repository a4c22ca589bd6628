/**
 * The pool's task (tinypool, loaded through worker-entry.js): run one unit and send its progress
 * and each failure, as soon as it is shrunk, on the port that came with the task, so the main
 * thread shows live figures and keeps the failures of a unit that Ctrl-C cuts short.
 */
import type { MessagePort } from 'node:worker_threads';
import { runUnit, type UnitTask } from './unit.ts';

export default function runTask(task: UnitTask & { port: MessagePort }) {
  const { port, ...rest } = task;
  try {
    return runUnit(rest, (e) => port.postMessage(e));
  } finally {
    port.close();
  }
}
