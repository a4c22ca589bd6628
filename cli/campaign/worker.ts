/**
 * The pool's task (tinypool, loaded through worker-entry.js): run one unit and send its progress
 * and each failure, as soon as it is shrunk, on the port that came with the task, so the main
 * thread shows live figures and keeps the failures of a unit that Ctrl-C cuts short. A user's
 * module (`--impl`) is opened once per thread, guarded as `check` guards it (adapters/: its own
 * worker, a step limit, its output kept apart), and reused by every unit the thread runs.
 */
import type { MessagePort } from 'node:worker_threads';
import { openImplementation, type OpenedImplementation } from '../../adapters/index.ts';
import { familyByName } from '../../properties/families.ts';
import { runUnit, type UnitTask } from './unit.ts';

let opened: { key: string; impl: OpenedImplementation } | null = null;

async function implementation(task: UnitTask): Promise<OpenedImplementation> {
  const key = JSON.stringify([task.impl, task.stepTimeout ?? null, task.unit.family]);
  if (opened?.key !== key) {
    opened?.impl.stop();
    opened = { key, impl: await openImplementation(task.impl, { stepTimeout: task.stepTimeout, family: familyByName(task.unit.family) }) };
  }
  return opened.impl;
}

export default async function runTask(task: UnitTask & { port: MessagePort }) {
  const { port, ...rest } = task;
  try {
    const factory = rest.impl === 'reference' ? undefined : (await implementation(rest)).factory;
    return runUnit(rest, (e) => port.postMessage(e), factory);
  } finally {
    port.close();
  }
}
