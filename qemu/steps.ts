// The vocabulary of a QEMU case: what the host and the guest's workload do, one step at a time.
// A case is plain data (JSON), so a shrunk counterexample can be saved and replayed as is.

export const MiB = 1024 * 1024;

export type Step =
  /** Host sets the balloon target (the VM's logical size) to `mib`; `wait: false` goes on to
   * the next step at once (a target change mid-flight). */
  | { readonly op: 'target'; readonly mib: number; readonly wait: boolean }
  /** Guest holds `mib` MiB of anonymous memory (a dd buffer) until `free`. */
  | { readonly op: 'anon'; readonly mib: number }
  /** Guest writes a `mib` MiB file on tmpfs (/tmp), kept until `free`. */
  | { readonly op: 'tmpfs'; readonly mib: number }
  /** Guest allocates `mib` MiB of anonymous memory and frees it at once (transient pressure). */
  | { readonly op: 'pressure'; readonly mib: number }
  /** Guest frees every held allocation and tmpfs file. */
  | { readonly op: 'free' }
  /** Guest unloads virtio_balloon (rmmod). */
  | { readonly op: 'unload' }
  /** Guest loads virtio_balloon (insmod). */
  | { readonly op: 'load' };

export interface QemuCase {
  readonly steps: readonly Step[];
}

/** Targets below this are generated on purpose as unreachable for a 512 MiB guest; a guest that
 * dies in such a case is an accepted observation (Linux may OOM-panic, see FINDINGS.md). */
export const UNSAFE_BELOW_MIB = 96;

/** Lowest target a 512 MiB guest reaches with nothing held: measured ~96, with margin. */
export const REACHABLE_FLOOR_MIB = 128;

/** One line per step, for reports ("target 200 (no wait)", "anon 32"). */
export function formatStep(s: Step): string {
  switch (s.op) {
    case 'target': return `target ${s.mib} MiB${s.wait ? '' : ' (no wait)'}`;
    case 'anon':
    case 'tmpfs':
    case 'pressure': return `${s.op} ${s.mib} MiB`;
    default: return s.op;
  }
}
