// The vocabulary of a real-Xen case: what the toolstack and dom0's workload do, one step at a
// time. A case is plain data (JSON), so a shrunk counterexample is saved and replayed as is.
import type { XenVmStep } from '../../traces/vm-steps.ts';
import { DOM0_MIB } from './vm.ts';

export type Domain = 'dom0' | 'domu';

/**
 * One step: mem-set, write-target, hold, free or read. Defined once, as the schema a trace stores
 * them with (traces/vm-steps.ts `XenStepSchema`, where each is described).
 */
export type XenStep = Readonly<XenVmStep>;

export interface XenCase {
  readonly steps: readonly XenStep[];
}

/** The PV domU dom0 creates (qemu/xen/dom0-init.sh): `memory = 160`, `maxmem = 256`. */
export const DOMU_MIB = 160;
export const DOMU_MAX_MIB = 256;

/** libxl refuses a dom0 target below this (libxl_mem.c libxl_set_memory_target, "below the
 * minimum threshold"; measured: 127 MiB refused, 128 MiB taken). */
export const XL_DOM0_MIN_MIB = 128;

/**
 * Targets below these take more than the guest can spare: the driver balloons out free memory
 * until the kernel has none left and the guest panics ("System is deadlocked on memory"), as
 * measured (docs/FINDINGS.md, Xen). A guest that dies in a case with such a target is a finding
 * the report counts, not a failure; a death in any other case fails `xen-real-guest-survives`.
 */
export const UNSAFE_BELOW_MIB: Record<Domain, number> = { dom0: 224, domu: 80 };

/** Each domain's static maximum: targets are generated up to it. */
export const MAX_MIB: Record<Domain, number> = { dom0: DOM0_MIB, domu: DOMU_MAX_MIB };

export function formatXenStep(s: XenStep): string {
  switch (s.op) {
    case 'mem-set': return `xl mem-set ${s.dom === 'dom0' ? '0' : 'domu'} ${s.mib}m`;
    case 'write-target': return s.dom === 'dom0' ? `echo ${s.mib * 1024} > target_kb (dom0)` : `xenstore-write memory/target ${s.mib * 1024} (domu)`;
    case 'hold': return `hold ${s.mib} MiB in dom0`;
    default: return s.op;
  }
}

/** Is this step a target change? */
export const isTarget = (s: XenStep): s is Extract<XenStep, { op: 'mem-set' | 'write-target' }> => s.op === 'mem-set' || s.op === 'write-target';
