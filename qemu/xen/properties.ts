// The properties a real Xen run is held to: those of the Xen family (properties/xen/) that can be
// observed from outside the guest, each citing the source it encodes. Each reads a case record
// and returns its checks and violations; none knows of a particular bug.
import { checkXenChart, type ProjectionSabotage } from './chart.ts';
import type { XenSnapshot } from './observe.ts';
import type { XenCaseRecord } from './runner.ts';
import { isTarget, UNSAFE_BELOW_MIB, XL_DOM0_MIN_MIB, type Domain } from './steps.ts';

export interface XenViolation { readonly property: string; readonly step: number; readonly message: string }
export interface Outcome { readonly checked: number; readonly violations: XenViolation[] }
export interface XenRealProperty {
  readonly name: string;
  readonly says: string;
  check(rec: XenCaseRecord, opts: XenCheckOptions): Outcome;
}
export interface XenCheckOptions {
  /** Test-only (never a CLI flag): a deliberately broken projection, to see failures reported. */
  readonly sabotage?: ProjectionSabotage;
  /** Hold every case to the model's "no domain dies", unsafe targets included (the model has no
   * death). Campaigns leave it off and count such deaths as the over-inflation finding; the
   * finding's own trace (docs/FINDINGS.md, Xen) is replayed with it on. */
  readonly strictSurvival?: boolean;
}

/** Xen's free memory is read in whole MiB (`xl info` free_memory): conservation allows one MiB of
 * rounding each side. */
export const CONSERVE_SLACK_KIB = 2048;

/** What xl mem-set puts above the target as the domain's maximum in Xen (libxl LIBXL_MAXMEM_CONSTANT;
 * measured: after `xl mem-set 0 288m` dom0 populates up to 289 MiB and no further). */
export const XL_MAXMEM_SLACK_KIB = 1024;

/** A case is unsafe when it sets a domain's target below UNSAFE_BELOW_MIB: a death there is a
 * finding (docs/FINDINGS.md, Xen), not a failure. */
export function unsafeTarget(rec: XenCaseRecord): boolean {
  return rec.steps.some((r) => isTarget(r.step) && r.step.mib < UNSAFE_BELOW_MIB[r.step.dom] && !(r.step.op === 'mem-set' && r.step.dom === 'dom0' && r.step.mib < XL_DOM0_MIN_MIB));
}

const v = (property: string, step: number, message: string): XenViolation => ({ property, step, message });
const domStat = (s: XenSnapshot, d: Domain) => (d === 'dom0' ? s.dom0 : s.domu);

export const xenRealProperties: readonly XenRealProperty[] = [
  {
    name: 'xen-real-conformance',
    says: 'every observed target and current_kb is one the xen-thread chart reaches by Linux balloon_thread passes (model/xen)',
    check(rec, opts) {
      const run = checkXenChart(rec, opts.sabotage);
      return { checked: run.checked, violations: run.refusal ? [v('xen-real-conformance', run.refusal.step, `${run.refusal.dom}: ${run.refusal.message}`)] : [] };
    },
  },
  {
    name: 'xen-real-toolstack',
    says: 'xl mem-set refuses a dom0 target below 128 MiB and changes nothing then (libxl_set_memory_target); a target it takes, or one written past it, is the domain\'s target (xen-balloon.c watch_target, target_kb)',
    check(rec) {
      const out: XenViolation[] = [];
      let checked = 0;
      let prev: XenSnapshot = rec.base;
      for (const r of rec.steps) {
        const s = r.snapshot;
        if (isTarget(r.step) && r.rc !== undefined && s !== undefined) {
          checked++;
          const st = domStat(s, r.step.dom);
          const before = domStat(prev, r.step.dom);
          const refuse = r.step.op === 'mem-set' && r.step.dom === 'dom0' && r.step.mib < XL_DOM0_MIN_MIB;
          if (refuse && r.rc === 0) out.push(v('xen-real-toolstack', r.index, `xl mem-set 0 ${r.step.mib}m was taken; libxl refuses a dom0 target below ${XL_DOM0_MIN_MIB} MiB`));
          if (!refuse && r.rc !== 0) out.push(v('xen-real-toolstack', r.index, `${r.step.op} ${r.step.dom} ${r.step.mib} MiB was refused (rc ${r.rc}: ${r.output ?? ''})`));
          if (st !== undefined && before !== undefined) {
            const want = r.rc === 0 ? r.step.mib * 1024 : before.targetKiB;
            if (st.targetKiB !== want) out.push(v('xen-real-toolstack', r.index, `${r.step.dom}'s target_kb is ${st.targetKiB}, expected ${want} (${r.rc === 0 ? 'the target set' : 'unchanged: the command was refused'})`));
          }
        }
        if (s !== undefined) prev = s;
      }
      return { checked, violations: out };
    },
  },
  {
    name: 'xen-real-frames-conserved',
    says: 'at rest, every KiB a domain gives up is free in Xen and every KiB it gains left Xen\'s free memory (memory.c decrease_reservation, populate_physmap; invariants 1-2)',
    check(rec) {
      const out: XenViolation[] = [];
      let checked = 0;
      const total = (s: XenSnapshot): number => s.dom0.currentKiB + (s.domu?.currentKiB ?? 0) + s.xenFreeMiB * 1024;
      const atRest = (s: XenSnapshot): boolean => s.dom0.currentKiB === s.dom0.targetKiB && (s.domu === undefined || s.domu.currentKiB === s.domu.targetKiB);
      const base = total(rec.base);
      for (const r of rec.steps) {
        const s = r.snapshot;
        if (s === undefined || !atRest(s)) continue;
        checked++;
        const d = total(s) - base;
        if (Math.abs(d) > CONSERVE_SLACK_KIB) {
          out.push(v('xen-real-frames-conserved', r.index, `domains' current memory + Xen's free memory moved by ${d} KiB since the reset (dom0 ${s.dom0.currentKiB - rec.base.dom0.currentKiB} KiB, ${s.domu ? `domU ${s.domu.currentKiB - (rec.base.domu?.currentKiB ?? 0)} KiB, ` : ''}Xen free ${(s.xenFreeMiB - rec.base.xenFreeMiB) * 1024} KiB)`));
        }
      }
      return { checked, violations: out };
    },
  },
  {
    name: 'xen-real-progress',
    says: 'a target the domain can reach is reached within the wait (60 s); short only when dom0 is out of free pages, Xen has no free frame, the target is unsafe, or it lies above the maximum xl last gave Xen (then exactly at that maximum) (balloon_thread; xen-progress)',
    check(rec) {
      const out: XenViolation[] = [];
      let checked = 0;
      // xl mem-set also sets Xen's maximum for the domain to the target + 1 MiB
      // (libxl_set_memory_target, LIBXL_MAXMEM_CONSTANT); the reset ran one for each domain.
      const xenMax: Record<Domain, number> = { dom0: rec.base.dom0.targetKiB + XL_MAXMEM_SLACK_KIB, domu: (rec.base.domu?.targetKiB ?? 0) + XL_MAXMEM_SLACK_KIB };
      for (const r of rec.steps) {
        if (!isTarget(r.step) || r.rc !== 0 || r.settle === undefined || r.snapshot === undefined) continue;
        if (r.step.op === 'mem-set') xenMax[r.step.dom] = r.step.mib * 1024 + XL_MAXMEM_SLACK_KIB;
        checked++;
        if (r.settle.end === 'reached') continue;
        const st = domStat(r.snapshot, r.step.dom);
        if (st === undefined) continue;
        const down = st.currentKiB > st.targetKiB;
        const aboveMax = !down && st.targetKiB > xenMax[r.step.dom];
        if (aboveMax) {
          if (st.currentKiB !== xenMax[r.step.dom]) out.push(v('xen-real-progress', r.index, `${r.step.dom} stopped at current_kb ${st.currentKiB} below Xen's maximum ${xenMax[r.step.dom]} (target ${st.targetKiB}, above that maximum)`));
          continue;
        }
        const excused = down
          ? r.step.mib < UNSAFE_BELOW_MIB[r.step.dom] || (r.step.dom === 'dom0' && st.memFreeKiB < 64 * 1024)
          : r.snapshot.xenFreeMiB <= 2;
        if (!excused) out.push(v('xen-real-progress', r.index, `${r.step.dom} ${r.settle.end} at current_kb ${st.currentKiB}, target ${st.targetKiB} (MemFree ${st.memFreeKiB} KiB, Xen free ${r.snapshot.xenFreeMiB} MiB, Xen's maximum ${xenMax[r.step.dom]} KiB) after ${(r.settle.ms / 1000).toFixed(1)} s`));
      }
      return { checked, violations: out };
    },
  },
  {
    name: 'xen-real-guest-survives',
    says: 'no domain dies in a case whose targets all stay at or above the unsafe bound (the model has no death: a target the guest cannot spare is a stall, xen-floors)',
    check(rec, opts) {
      if (unsafeTarget(rec) && !opts.strictSurvival) return { checked: 0, violations: [] };
      if (rec.guest === 'alive') return { checked: 1, violations: [] };
      const last = rec.steps[rec.steps.length - 1];
      return { checked: 1, violations: [v('xen-real-guest-survives', last?.index ?? 0, `dom0 ${rec.guest} (${rec.consoleHighlights.slice(-2).join(' | ') || 'no console line'})`)] };
    },
  },
];

/** Checks one record with every property; the map keeps the properties' order. */
export function checkXenRealProperties(rec: XenCaseRecord, opts: XenCheckOptions = {}): Map<string, Outcome> {
  const m = new Map<string, Outcome>();
  for (const p of xenRealProperties) m.set(p.name, p.check(rec, opts));
  return m;
}
