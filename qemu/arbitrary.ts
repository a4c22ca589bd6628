// fast-check generators for QEMU cases. Targets stay where a 512 MiB guest survives, except for a
// deliberate one in ten below UNSAFE_BELOW_MIB; tmpfs files (which the OOM killer cannot free)
// are capped so a case does not starve the kernel by accident.
import fc from 'fast-check';
import type { QemuCase, Step } from './steps.ts';

const TMPFS_BUDGET_MIB = 96;

const targetMib = fc.oneof(
  { weight: 16, arbitrary: fc.integer({ min: 160, max: 512 }) },
  { weight: 2, arbitrary: fc.integer({ min: 32, max: 64 }) }, // unreachable on purpose
  { weight: 1, arbitrary: fc.integer({ min: 513, max: 768 }) }, // above RAM: QEMU clamps
  { weight: 1, arbitrary: fc.constant(0) }, // QEMU refuses 0
);
const workMib = fc.integer({ min: 8, max: 64 });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: targetMib.map((mib): Step => ({ op: 'target', mib, wait: true })) },
  { weight: 2, arbitrary: targetMib.map((mib): Step => ({ op: 'target', mib, wait: false })) },
  { weight: 2, arbitrary: workMib.map((mib): Step => ({ op: 'anon', mib })) },
  { weight: 2, arbitrary: workMib.map((mib): Step => ({ op: 'tmpfs', mib })) },
  { weight: 2, arbitrary: workMib.map((mib): Step => ({ op: 'pressure', mib })) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'free' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'unload' }) },
  { weight: 1, arbitrary: fc.constant<Step>({ op: 'load' }) },
);

/** Drops tmpfs steps past the budget (since the last `free`); a map, so shrinking still works. */
function capTmpfs(steps: Step[]): Step[] {
  let used = 0;
  return steps.filter((s) => {
    if (s.op === 'free') used = 0;
    if (s.op !== 'tmpfs') return true;
    if (used + s.mib > TMPFS_BUDGET_MIB) return false;
    used += s.mib;
    return true;
  });
}

/** A case of 1 to `maxSteps` steps. */
export function qemuCaseArbitrary(maxSteps = 6): fc.Arbitrary<QemuCase> {
  return fc.array(step, { minLength: 1, maxLength: maxSteps }).map((steps) => ({ steps: capTmpfs(steps) }));
}
