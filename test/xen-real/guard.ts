// Shared by the real-Xen tests that boot a machine: they need `npm run xen:setup` and are run on
// purpose (`npm run test:xen` sets BALLOON_XEN_TESTS=1), since each boot costs 15-40 s of TCG.
// Otherwise they skip with one clear line, so `npm test` stays short.
import { execFileSync } from 'node:child_process';
import { xenStatus } from '../../qemu/xen/paths.ts';

const status = xenStatus();
function qemuInstalled(): boolean {
  try {
    execFileSync('qemu-system-x86_64', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const asked = process.env.BALLOON_XEN_TESTS === '1';
export const xenReady = asked && status.ok && qemuInstalled();
if (!xenReady) {
  const why = !asked ? 'they boot Xen under TCG: run `npm run test:xen` (BALLOON_XEN_TESTS=1)' : !status.ok ? status.reason : 'qemu-system-x86_64 not installed';
  console.warn(`[test/xen-real] machine tests skipped: ${why}`);
}
export { pidAlive, qemuPidsMatching } from '../qemu/guard.ts';
