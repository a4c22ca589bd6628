// Shared by the QEMU tests: they need the guest built by `npm run qemu:setup`, and skip with one
// clear line when it is missing, so `npm test` runs on a machine without QEMU.
import { execFileSync } from 'node:child_process';
import { guestStatus } from '../../qemu/paths.ts';

const status = guestStatus();
function qemuInstalled(): boolean {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const qemuReady = status.ok && qemuInstalled();
export const skipReason = !status.ok ? status.reason : 'qemu-system-x86_64 not installed: run `npm run qemu:setup`';
if (!qemuReady) console.warn(`[test/qemu] skipped: ${skipReason}`);

/** Is `pid` still a live process? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** QEMU processes whose command line mentions `needle` (our temp dir), via pgrep -f. */
export function qemuPidsMatching(needle: string): number[] {
  try {
    const out = execFileSync('pgrep', ['-f', `qemu-system-x86_64.*${needle}`], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
