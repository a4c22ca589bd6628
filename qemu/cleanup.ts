// Last-resort cleanup: every QEMU this process starts is registered here, and killed by pid when
// the process exits or is interrupted, so a crashed harness or a Ctrl-C never leaves a VM
// running (a TCG guest burns a whole core until someone notices).
import { rmSync } from 'node:fs';

interface Entry {
  readonly pid: number;
  readonly tmpDir: string;
}

const live = new Map<number, Entry>();
let installed = false;

function killAllSync(): void {
  for (const e of live.values()) {
    try {
      process.kill(e.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(e.tmpDir, { recursive: true, force: true });
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync();
  // Re-raise the conventional exit status (128 + signal number) now that our handler replaced
  // the default action.
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Registers a started QEMU; it is SIGKILLed on process exit/SIGINT/SIGTERM unless released. */
export function trackVm(pid: number, tmpDir: string): void {
  install();
  live.set(pid, { pid, tmpDir });
}

/** Called once the VM was stopped normally. */
export function untrackVm(pid: number): void {
  live.delete(pid);
}

/** Pids of the VMs this process still owns (tests assert this is empty). */
export function trackedPids(): number[] {
  return [...live.keys()];
}
