// Typed failures of the QEMU harness. Expected outcomes (a refused QMP command, a guest that died,
// a command that timed out) are values, not exceptions; VmError is thrown only where the harness
// itself cannot go on (QEMU would not start, the guest never booted).

export type VmErrorCode =
  | 'qemu/spawn-failed' // qemu-system-x86_64 could not be started
  | 'qemu/boot-timeout' // no @@READY on the channel in time
  | 'qemu/exited' // QEMU ended while we were waiting for it
  | 'qemu/hard-limit' // the VM's wall-clock limit fired and it was killed
  | 'qemu/qmp-connect' // QMP socket did not answer
  | 'qemu/guest-missing'; // .qemu-guest/ not built

export class VmError extends Error {
  readonly code: VmErrorCode;
  /** Last lines of the guest console, the first thing to read when a guest dies. */
  readonly consoleTail: string;
  constructor(code: VmErrorCode, message: string, consoleTail = '') {
    super(`${code}: ${message}`);
    this.name = 'VmError';
    this.code = code;
    this.consoleTail = consoleTail;
  }
}
