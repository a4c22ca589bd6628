/**
 * Adds up one campaign's situation marks: per situation, the cases that reached it; per property,
 * the cases that gave it something to check (its catalogue `work` situations). The campaign makes
 * one recorder per family campaign and asks it for a fresh counter per case of the search (cases
 * run while shrinking are variations of one failure, not new cases, and are not counted).
 */
import type { WorldConfig } from '../../core/index.ts';
import type { ReachCatalogue, ReachCounter } from './situation.ts';
import { situationIndex } from './situation.ts';

export interface SituationCount { name: string; group: string; doc: string; cases: number; unreachable?: string }
export interface PropertyWork { name: string; cases: number; vacuous: boolean }

export interface ReachReport {
  /** Cases counted (the campaign's search runs). */
  cases: number;
  situations: SituationCount[];
  /** Per property checked, the cases that reached one of its work situations; `vacuous` when none did. */
  properties: PropertyWork[];
}

export class ReachRecorder {
  private readonly counts: Float64Array;
  private readonly hit: Uint8Array;
  private readonly workOf: Map<string, number[]>;
  private readonly worked = new Map<string, number>();
  private cases = 0;

  constructor(private readonly catalogue: ReachCatalogue) {
    const n = catalogue.situations.length;
    this.counts = new Float64Array(n);
    this.hit = new Uint8Array(n);
    const at = situationIndex(catalogue.situations);
    this.workOf = new Map(Object.entries(catalogue.work).map(([p, names]) => [p, names.map(at)]));
  }

  /** A counter for the next case (the previous case must have been ended). */
  begin(config: WorldConfig): ReachCounter {
    this.hit.fill(0);
    return this.catalogue.counter(config, this.hit);
  }

  /** The case begun last is over: count what it reached, and which of `properties` it gave work. */
  end(properties: readonly string[]): void {
    this.cases++;
    const { hit, counts } = this;
    for (let i = 0; i < hit.length; i++) counts[i] += hit[i];
    for (const p of properties) {
      const w = this.workOf.get(p);
      if (w && w.some((i) => hit[i] === 1)) this.worked.set(p, (this.worked.get(p) ?? 0) + 1);
    }
  }

  report(properties: readonly string[]): ReachReport {
    return {
      cases: this.cases,
      situations: this.catalogue.situations.map((s, i) => ({
        name: s.name, group: s.group, doc: s.doc, cases: this.counts[i], ...(s.unreachable ? { unreachable: s.unreachable } : {}),
      })),
      // A property the catalogue does not name cannot be judged: it is reported with no cases,
      // vacuous, rather than silently as having work.
      properties: properties.map((name) => { const cases = this.worked.get(name) ?? 0; return { name, cases, vacuous: cases === 0 }; }),
    };
  }
}

/** Percent of cases, for reports: one decimal, or two below 1%. */
export function percent(n: number, of: number): string {
  if (of === 0) return '0%';
  const p = (100 * n) / of;
  return `${p >= 1 || p === 0 ? p.toFixed(1) : p.toFixed(2)}%`;
}

/** The reach report as text: situations by group (chains in compact columns), then properties' work. */
export function formatReach(family: string, r: ReachReport): string {
  const out: string[] = [`reach of family ${family}: ${r.cases} cases`];
  const groups = [...new Set(r.situations.map((s) => s.group))];
  for (const g of groups) {
    const ss = r.situations.filter((s) => s.group === g);
    const reachable = ss.filter((s) => !s.unreachable);
    const zero = reachable.filter((s) => s.cases === 0).length;
    const low = reachable.length ? reachable.reduce((m, s) => Math.min(m, s.cases), Infinity) : 0;
    out.push(`  ${g}: ${reachable.length - zero}/${reachable.length} reached${ss.length > reachable.length ? ` (${ss.length - reachable.length} unreachable, reasons in --json)` : ''}, least ${percent(low, r.cases)}`);
    const cells = ss.filter((s) => !s.unreachable).map((s) => `${percent(s.cases, r.cases).padStart(6)} ${s.name}${s.cases === 0 ? ' (NEVER)' : ''}`);
    const width = g === 'triple' || g === 'pair' ? 3 : 1;
    const colw = Math.max(...cells.map((c) => c.length)) + 2;
    for (let i = 0; i < cells.length; i += width) out.push(`    ${cells.slice(i, i + width).map((c) => c.padEnd(colw)).join('').trimEnd()}`);
  }
  out.push('  properties (cases that gave each something to check):');
  for (const p of r.properties) out.push(`    ${percent(p.cases, r.cases).padStart(6)} ${String(p.cases).padStart(7)}  ${p.name}${p.vacuous ? '  VACUOUS: no case gave it anything to check' : ''}`);
  return out.join('\n');
}
