/**
 * What the page shows, taken from a replay: the trace is replayed once through traces/replay.ts
 * (the same run, properties and verdict as `balloon replay`), with the implementation wrapped so
 * that after every step the observation's deltas are recorded and the family's model is stepped
 * in lockstep (viewer/family.ts). Pure apart from the system it builds: no I/O.
 */
import { gpfnSpace, type WorldObservation as Observation, type SystemUnderTest as WorldSystem } from '../core/index.ts';

// The viewer runs any family: its systems are the world's, whatever their vocabulary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SystemUnderTest = WorldSystem<any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SystemFactory = (config: any) => SystemUnderTest;
import type { AnyProperty as Property } from '../properties/property.ts';
import { sourceFaults, sourceName, type Trace } from '../traces/format.ts';
import { replayTrace, type ReplayResult } from '../traces/replay.ts';
import { changes, formatOutcome } from '../traces/report.ts';
import { DeltaRecorder, int32Base64 } from './deltas.ts';
import { familyView, type FamilyView } from './family.ts';
import type { ChartDrawing } from './chart-tree.ts';
import type { ChartInstance } from './family.ts';

/** [target, actual, free, used, inflating, ballooned, deflating] of one guest. */
export type GuestSummaryRow = [number, number, number, number, number, number, number];

export interface ViewerStep {
  /** The command in the family's words. */
  c: string;
  /** Its guest. */
  g: number;
  /** 1 for a step of the fair drain the runner adds. */
  d: 0 | 1;
  /** `ok`, or `refused CODE`. */
  r: string;
  /** What changed, summed up from the effects (traces/report.ts `changes`). */
  x: string;
  /** Host free frames (the host's own count). */
  h: number;
  /** Guests whose summary changed: [guest, ...GuestSummaryRow]. */
  s: number[][];
  /** Per chart instance, index into `stateTable` of its active states. */
  a: number[];
  /** Family panel lines. */
  p: [string, string][];
  /** Model-vs-implementation fields that differ after the step, when any. */
  f?: string[];
  /** Frame runs and gpfn runs of this step in `deltas`. */
  fr: number;
  gr: number;
}

export interface ViewerFailure {
  property: string;
  /** The step after which it failed; -1 at the end of the run. */
  step: number;
  phase: string;
  message: string;
  guest?: number; gpfn?: number; frame?: number;
  /** The property's doc and sources, when it is in the catalogue. */
  doc?: string;
  /** Whether this came from the model's separate pass (conformance run apart). */
  model: boolean;
}

export interface ViewerData {
  meta: {
    file: string; family: string; impl: string; faults: string[]; note?: string; seed?: number; path?: string;
    hostFrames: number; reservedFrames: number;
    guests: { gpfns: number; ramPages: number; holeStart: number; holePages: number; guestPageGpfns: number; floorPages: number }[];
    commands: number; properties: string[]; verdict: string; outcome: string;
  };
  charts: ChartDrawing[];
  instances: ChartInstance[];
  /** Distinct active-state lists, space-separated leaf paths. */
  stateTable: string[];
  /** The state before step 0: runs from a blank state, and each guest's summary and chart states. */
  initial: { fr: number; gr: number; s: number[][]; a: number[] };
  steps: ViewerStep[];
  /** Every run, initial ones first, as little-endian Int32 in base64 (viewer/deltas.ts). */
  deltas: string;
  failures: ViewerFailure[];
}

export interface ExtractOptions {
  factory: SystemFactory;
  properties: readonly Property[];
  conformance?: Property;
  /** false: the replay runs no statechart property (`--no-model`); the page still draws the charts. */
  model?: boolean;
  file?: string;
}

/**
 * Replay `trace` and collect what the page shows.
 *
 * @example
 *   const { data, result } = extractViewerData(trace, { factory: referenceFactory(trace.faults), properties: allProperties, conformance });
 *   data.steps.length === result.result.steps // true
 */
export function extractViewerData(trace: Trace, opts: ExtractOptions): { data: ViewerData; result: ReplayResult } {
  const config = trace.config;
  const family: FamilyView = familyView(config);
  const rec = new DeltaRecorder(config.hostFrames, config.guests.map(gpfnSpace));
  const states = new Map<string, number>();
  const stateTable: string[] = [];
  const stateIndex = (leaves: string[]) => {
    const key = leaves.join(' ');
    let i = states.get(key);
    if (i === undefined) { i = stateTable.length; stateTable.push(key); states.set(key, i); }
    return i;
  };
  const last: GuestSummaryRow[] = [];
  const summaries = (obs: Observation): number[][] => {
    const out: number[][] = [];
    obs.guests.forEach((g, i) => {
      const c = g.counts;
      const row: GuestSummaryRow = [g.target, g.actual, c.free, c.used, c.inflating, c.ballooned, c.deflating];
      if (!last[i] || row.some((v, k) => v !== last[i][k])) out.push([i, ...row]);
      last[i] = row;
    });
    return out;
  };
  const steps: ViewerStep[] = [];
  let initial: ViewerData['initial'] | undefined;
  let wrapped = false;
  const factory: SystemFactory = (cfg) => {
    const sys = opts.factory(cfg);
    // The replay may build a second system for the model's own pass; only the first run is recorded.
    if (wrapped) return sys;
    wrapped = true;
    const obs0 = sys.observe();
    family.start?.(obs0 as never);
    const [fr, gr] = rec.record(obs0);
    initial = { fr, gr, s: summaries(obs0), a: family.initial.map(stateIndex) };
    return recordingSystem(sys, (command, result, obs) => {
      const [sfr, sgr] = rec.record(obs);
      const fam = family.step(command, result, obs as never);
      steps.push({
        c: family.describe(command), g: command.guest, d: 0,
        r: result.outcome === 'accepted' ? 'ok' : `refused ${result.code}`,
        x: changes(result.effects) || '-', h: obs.host.freeFrames, s: summaries(obs), a: fam.active.map(stateIndex), p: fam.panel,
        ...(fam.diff.length ? { f: fam.diff } : {}), fr: sfr, gr: sgr,
      });
    });
  };
  const result = replayTrace(trace, { factory, properties: opts.properties, conformance: opts.conformance, model: opts.model, file: opts.file });
  result.result.records.forEach((r) => { if (r.draining && steps[r.index]) steps[r.index].d = 1; });
  const failures: ViewerFailure[] = [];
  const f = result.result.failure;
  const doc = (name: string) => { const p = opts.properties.find((x) => x.name === name); return p && `${p.name} (${p.kind}): ${p.doc} [${p.refs}]`; };
  if (f) failures.push({ property: f.property, step: f.step, phase: f.phase, message: f.violation.message, ...ids(f.violation), doc: doc(f.property), model: false });
  if (result.model) {
    const m = result.model;
    failures.push({ property: m.property, step: m.step, phase: m.phase, message: m.violation.message, ...ids(m.violation), doc: doc(m.property), model: true });
  }
  const data: ViewerData = {
    meta: {
      file: opts.file ?? '(in memory)', family: trace.family, impl: sourceName(trace.source), faults: [...sourceFaults(trace.source)],
      ...(trace.note ? { note: trace.note } : {}), ...(trace.seed !== undefined ? { seed: trace.seed } : {}), ...(trace.path ? { path: trace.path } : {}),
      hostFrames: config.hostFrames, reservedFrames: config.reservedFrames,
      guests: config.guests.map((g) => ({
        gpfns: gpfnSpace(g), ramPages: g.ramPages, holeStart: g.holeStart, holePages: g.holePages, guestPageGpfns: g.guestPageGpfns, floorPages: g.floorPages,
      })),
      commands: trace.commands.length, properties: result.ran, verdict: result.verdict, outcome: formatOutcome(result, opts.properties),
    },
    charts: family.charts, instances: family.instances, stateTable,
    initial: initial ?? { fr: 0, gr: 0, s: [], a: family.initial.map(stateIndex) },
    steps, deltas: int32Base64(rec.out), failures,
  };
  return { data, result };
}

function ids(v: { guest?: number; gpfn?: number; frame?: number }) {
  return {
    ...(v.guest !== undefined ? { guest: v.guest } : {}), ...(v.gpfn !== undefined ? { gpfn: v.gpfn } : {}), ...(v.frame !== undefined ? { frame: v.frame } : {}),
  };
}

function recordingSystem(sys: SystemUnderTest, after: (c: Parameters<SystemUnderTest['apply']>[0], r: ReturnType<SystemUnderTest['apply']>, obs: Observation) => void): SystemUnderTest {
  return {
    config: sys.config,
    apply(command) {
      const r = sys.apply(command);
      after(command, r, sys.observe());
      return r;
    },
    observe: () => sys.observe(),
  };
}
