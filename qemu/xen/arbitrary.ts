// fast-check generators for real-Xen cases. Targets stay where the domains live, except for a
// deliberate few below UNSAFE_BELOW_MIB (over-inflation: a finding, see steps.ts) and dom0 targets
// xl must refuse (below XL_DOM0_MIN_MIB). Holdings in dom0 are capped so that, with the lowest safe
// target, dom0 keeps enough to run.
import fc from 'fast-check';
import { DOMU_MAX_MIB, UNSAFE_BELOW_MIB, XL_DOM0_MIN_MIB, type XenCase, type XenStep } from './steps.ts';
import { DOM0_MIB } from './vm.ts';

const HOLD_BUDGET_MIB = 96;

const dom0Target = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: UNSAFE_BELOW_MIB.dom0 + 64, max: DOM0_MIB }) },
  { weight: 1, arbitrary: fc.integer({ min: 64, max: XL_DOM0_MIN_MIB - 1 }) },
);
const dom0Unsafe = fc.integer({ min: 48, max: UNSAFE_BELOW_MIB.dom0 - 64 });
const domuTarget = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: UNSAFE_BELOW_MIB.domu + 16, max: DOMU_MAX_MIB }) },
  { weight: 1, arbitrary: fc.integer({ min: 40, max: UNSAFE_BELOW_MIB.domu - 8 }) },
);

function stepArb(domu: boolean): fc.Arbitrary<XenStep> {
  const dom0: fc.WeightedArbitrary<XenStep>[] = [
    { weight: 6, arbitrary: dom0Target.map((mib): XenStep => ({ op: 'mem-set', dom: 'dom0', mib })) },
    { weight: 3, arbitrary: dom0Target.filter((m) => m >= XL_DOM0_MIN_MIB).map((mib): XenStep => ({ op: 'write-target', dom: 'dom0', mib })) },
    // Over-inflation through the path xl does not guard (a direct target_kb write).
    { weight: 1, arbitrary: dom0Unsafe.map((mib): XenStep => ({ op: 'write-target', dom: 'dom0', mib })) },
    { weight: 2, arbitrary: fc.integer({ min: 8, max: 48 }).map((mib): XenStep => ({ op: 'hold', mib })) },
    { weight: 1, arbitrary: fc.constant<XenStep>({ op: 'free' }) },
    { weight: 1, arbitrary: fc.constant<XenStep>({ op: 'read' }) },
  ];
  const du: fc.WeightedArbitrary<XenStep>[] = domu ? [
    { weight: 5, arbitrary: domuTarget.map((mib): XenStep => ({ op: 'mem-set', dom: 'domu', mib })) },
    { weight: 2, arbitrary: domuTarget.map((mib): XenStep => ({ op: 'write-target', dom: 'domu', mib })) },
  ] : [];
  return fc.oneof(...dom0, ...du);
}

/** Drops holds past the budget (since the last `free`); a map, so shrinking still works. */
function capHolds(steps: XenStep[]): XenStep[] {
  let held = 0;
  return steps.filter((s) => {
    if (s.op === 'free') held = 0;
    if (s.op !== 'hold') return true;
    if (held + s.mib > HOLD_BUDGET_MIB) return false;
    held += s.mib;
    return true;
  });
}

/** A case of 1 to `maxSteps` steps (with `domu`, steps for the PV domU too). */
export function xenCaseArbitrary(domu: boolean, maxSteps = 5): fc.Arbitrary<XenCase> {
  return fc.array(stepArb(domu), { minLength: 1, maxLength: maxSteps }).map((steps) => ({ steps: capHolds(steps) }))
    .filter((c) => c.steps.length > 0);
}
