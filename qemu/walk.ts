// Private helper of properties.ts: replays a CaseRecord in order and hands each observed `actual`
// to a visitor together with what was in effect since the previous observation. Every property
// that talks about the trajectory of `actual` reads it through this one walk.
import { MiB, REACHABLE_FLOOR_MIB } from './steps.ts';
import type { CaseRecord, StepRecord } from './runner.ts';
import type { Snapshot } from './observe.ts';

export interface Moment {
  readonly step: StepRecord;
  /** The previous observed `actual` and this one (bytes). */
  readonly prev: number;
  readonly next: number;
  /** Every goal the driver was given since `prev` was observed (RAM while it is unloaded). A
   * target changed mid-flight leaves several: the path may head for any of them. */
  readonly goals: readonly number[];
  /** A guest workload ran since `prev` (the only thing that may deflate with deflate-on-oom). */
  readonly pressure: boolean;
  /** A goal in effect since `prev` is one the guest cannot reach: the balloon itself is then the
   * memory pressure, and with deflate-on-oom the OOM notifier gives pages back (FINDINGS.md). */
  readonly squeezed: boolean;
  /** Set on the step's last moment when `next` is its snapshot's `actual` (guest counters with it). */
  readonly snapshot?: Snapshot;
}

export interface Context {
  readonly driverLoaded: boolean;
  /** The host's target (bytes), and whether the guest can reach it with what it holds. */
  readonly target: number;
  readonly reachable: boolean;
}

export interface Visitor {
  step?(s: StepRecord, before: Context, after: Context): void;
  moment?(m: Moment): void;
}

export function walk(rec: CaseRecord, v: Visitor): void {
  const ram = rec.ramBytes;
  let target = ram;
  let driver = true;
  let held = 0;
  let heldKnown = true;
  let prev = rec.startActual;
  let goals: number[] = [ram];
  let squeezed = false;
  const ctx = (): Context => ({ driverLoaded: driver, target, reachable: heldKnown && target >= (REACHABLE_FLOOR_MIB + held) * MiB });
  for (const s of rec.steps) {
    const before = ctx();
    const ok = s.rc === 0;
    switch (s.step.op) {
      case 'target': target = s.targetAfter; break;
      case 'unload': if (ok) driver = false; break;
      case 'load': if (ok) driver = true; break;
      case 'free': if (ok) { held = 0; heldKnown = true; } break;
      case 'anon':
      case 'tmpfs': if (ok) held += s.step.mib; else heldKnown = false; break;
      case 'pressure': break;
    }
    const after = ctx();
    v.step?.(s, before, after);
    goals.push(driver ? target : ram);
    if (driver && !after.reachable) squeezed = true;
    const pressure = s.step.op === 'anon' || s.step.op === 'tmpfs' || s.step.op === 'pressure';
    const seen = [...(s.settle?.samples ?? []), ...(s.snapshot ? [s.snapshot.actual] : [])];
    for (const [i, next] of seen.entries()) {
      const snap = s.snapshot !== undefined && i === seen.length - 1 ? { snapshot: s.snapshot } : {};
      v.moment?.({ step: s, prev, next, goals, pressure, squeezed, ...snap });
      prev = next;
      goals = [driver ? target : ram];
      squeezed = driver && !after.reachable;
    }
  }
}
