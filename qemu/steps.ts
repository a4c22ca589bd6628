// The vocabulary of a QEMU case: what the host and the guest's workload do, one step at a time.
// A case is plain data (JSON), so a shrunk counterexample can be saved and replayed as is.

import type { VmStep } from '../traces/vm-steps.ts';

export const MiB = 1024 * 1024;

/**
 * One step of a case: target, anon, tmpfs, pressure, free, unload or load. Defined once, as the
 * schema a trace stores them with (traces/vm-steps.ts, where each is described).
 */
export type Step = Readonly<VmStep>;

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
