// Saved counterexamples of the real-Xen campaign, in the one trace format (traces/format.ts,
// family `xen`, source `xen-real`). The steps are the truth (replay runs them on a fresh
// machine); the observations, seed and path help the reader. Nothing here reads the clock.
import { TOOL, TRACE_FORMAT, TRACE_VERSION, type XenRealTrace } from '../../traces/format.ts';
import { loadAnyTrace, validateAnyTrace } from '../../traces/load.ts';
import { TraceError } from '../../traces/errors.ts';
import { qemuExpect } from '../../traces/migrate.ts';
import { saveTrace as saveAnyTrace } from '../../traces/save.ts';
import type { XenViolation } from './properties.ts';
import type { XenCaseRecord } from './runner.ts';
import type { XenStep } from './steps.ts';

export type { XenRealTrace } from '../../traces/format.ts';

export function makeXenTrace(args: {
  property: string; seed: number; path: string; versions: string; qemu: string;
  steps: readonly XenStep[]; record: XenCaseRecord; violations: readonly XenViolation[];
}): XenRealTrace {
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION, tool: { ...TOOL }, family: 'xen',
    source: {
      kind: 'xen-real', qemu: args.qemu, xen: args.versions, domu: args.record.domu,
      violations: args.violations.map((v) => ({ ...v })),
      observations: JSON.parse(JSON.stringify(args.record)) as Record<string, unknown>,
    },
    seed: args.seed,
    ...(/^\d+(:\d+)*$/.test(args.path) ? { path: args.path } : {}),
    properties: [args.property],
    expect: qemuExpect(args.property, args.violations),
    steps: args.steps.map((s) => ({ ...s })),
  };
}

/** Writes `<outDir>/xen-real-<property>-<hash>.json` and returns the path. */
export function saveXenTrace(outDir: string, t: XenRealTrace): string {
  return saveAnyTrace(outDir, t);
}

function asXen(t: ReturnType<typeof loadAnyTrace>, file: string): XenRealTrace {
  if (t.source.kind !== 'xen-real') throw new TraceError(file, 'source', `expected a trace of a real Xen machine, got one of source "${t.source.kind}"`);
  return t as XenRealTrace;
}

export function loadXenTrace(file: string): XenRealTrace {
  return asXen(loadAnyTrace(file), file);
}

export function parseXenTrace(raw: unknown, where = 'trace'): XenRealTrace {
  return asXen(validateAnyTrace(raw, where), where);
}
