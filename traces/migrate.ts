/**
 * Version 1 → version 2 (traces/format-v1.ts → traces/format.ts). What changed, and why:
 *   - `impl` + `faults` became `source`: "reference" with its faults, or an adapter's module
 *     path; a QEMU file (`impl: "qemu"`) becomes a `qemu` source holding its VM's versions, size,
 *     violations and observations, so one schema and one loader read both kinds.
 *   - The QEMU body's `property` became `expect` (the failing property, its first violation's
 *     step and message), `properties` lists it, and `createdAt` is dropped: nothing in a trace
 *     depends on the wall clock.
 * Every family of version 1 was virtio. The result is validated against version 2 by the caller.
 */
import type { z } from 'zod';
import { REFERENCE_IMPL, TOOL, TRACE_VERSION, type FailureExpectSchema } from './format.ts';
import type { QemuTraceV1, TraceV1 } from './format-v1.ts';

/** A version 1 trace of commands as version 2 writes it (the same fields, in version 2's order). */
export function migrateTraceV1(t: TraceV1): Record<string, unknown> {
  return {
    format: t.format, version: TRACE_VERSION, tool: t.tool, family: t.family,
    source: t.impl === REFERENCE_IMPL ? { kind: 'reference', faults: t.faults } : { kind: 'adapter', module: t.impl },
    ...(t.note !== undefined ? { note: t.note } : {}),
    config: t.config,
    ...(t.seed !== undefined ? { seed: t.seed } : {}),
    ...(t.path !== undefined ? { path: t.path } : {}),
    properties: t.properties, expect: t.expect, commands: t.commands,
  };
}

/** A version 1 QEMU trace as version 2 writes it. */
export function migrateQemuTraceV1(t: QemuTraceV1): Record<string, unknown> {
  return {
    format: t.format, version: TRACE_VERSION, tool: { ...TOOL }, family: t.family,
    source: {
      kind: 'qemu', qemu: t.config.qemu, kernel: t.config.kernel, memMiB: t.config.memMiB, deflateOnOom: t.config.deflateOnOom,
      violations: t.violations, observations: isObject(t.observations) ? t.observations : {},
    },
    seed: t.seed,
    ...(/^\d+(:\d+)*$/.test(t.path) ? { path: t.path } : {}),
    properties: [t.property], expect: qemuExpect(t.property, t.violations), steps: t.steps,
  };
}

/**
 * What a QEMU trace expects: `property` fails again. Its step and message are those of its first
 * violation (step -1 and no message when the run recorded none, as a hand-made file may).
 */
export function qemuExpect(property: string, violations: readonly { property: string; step: number; message: string }[]): z.infer<typeof FailureExpectSchema> {
  const v = violations.find((x) => x.property === property);
  return { verdict: 'fail', property, step: v?.step ?? -1, message: (v?.message ?? '').slice(0, 4096) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
