// Saved counterexamples of the QEMU campaign, in the one trace format (traces/format.ts, source
// `qemu`). The steps are the truth (replay runs them again on a fresh VM); the observations,
// seed and path are conveniences for the reader. Nothing here reads the clock, so the same run
// is saved as the same bytes. Loading goes through the one loader (traces/load.ts).
import { TOOL, TRACE_FORMAT, TRACE_VERSION, type QemuTrace } from '../traces/format.ts';
import { loadAnyTrace, qemuTrace, validateAnyTrace } from '../traces/load.ts';
import { qemuExpect } from '../traces/migrate.ts';
import { saveTrace as saveAnyTrace } from '../traces/save.ts';
import type { CaseRecord } from './runner.ts';
import type { Step } from './steps.ts';
import type { Violation } from './properties.ts';

export type { QemuTrace } from '../traces/format.ts';

/**
 * The trace of a case that failed `property` on a real VM.
 * @example saveTrace('traces/failures', makeTrace({ property, seed, path, kernel, qemu, steps, record, violations }))
 */
export function makeTrace(args: {
  property: string; seed: number; path: string; kernel: string; qemu: string;
  steps: readonly Step[]; record: CaseRecord; violations: readonly Violation[];
}): QemuTrace {
  return {
    format: TRACE_FORMAT, version: TRACE_VERSION, tool: { ...TOOL }, family: 'virtio',
    source: {
      kind: 'qemu', qemu: args.qemu, kernel: args.kernel,
      memMiB: args.record.ramBytes / (1024 * 1024), deflateOnOom: args.record.deflateOnOom,
      ...(args.record.variant !== undefined ? { variant: args.record.variant } : {}),
      violations: args.violations.map((v) => ({ ...v })),
      // Through JSON: the record is plain data, and this drops fields left undefined.
      observations: JSON.parse(JSON.stringify(args.record)) as Record<string, unknown>,
    },
    seed: args.seed,
    ...(/^\d+(:\d+)*$/.test(args.path) ? { path: args.path } : {}),
    properties: [args.property],
    expect: qemuExpect(args.property, args.violations),
    steps: args.steps.map((s) => ({ ...s })),
  };
}

/** Writes the trace as `<outDir>/qemu-<property>-<hash>.json` (traces/save.ts) and returns the path. */
export function saveTrace(outDir: string, t: QemuTrace): string {
  return saveAnyTrace(outDir, t);
}

/** Reads and validates a trace of a real VM; throws a TraceError of one line naming the file and the first problem. */
export function loadTrace(file: string): QemuTrace {
  return qemuTrace(loadAnyTrace(file), file);
}

/** Validates a parsed trace of a real VM (either format version). */
export function parseTrace(raw: unknown, where = 'trace'): QemuTrace {
  return qemuTrace(validateAnyTrace(raw, where), where);
}
