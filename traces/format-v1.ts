/**
 * The trace format as version 1 wrote it, kept to read the files of that time (traces/corpus and
 * traces/zoo were first written in it, and users hold more). Frozen: a change here changes which
 * old files load. traces/migrate.ts turns a validated version 1 trace into version 2.
 *
 * Version 1 had two bodies under one header, told apart by `impl`: commands run on "reference"
 * or an adapter's module path, and VM steps run on "qemu" (written by the QEMU campaign, with a
 * `createdAt` from the clock that version 2 drops).
 */
import { z } from 'zod';
import { CommandSchema, ExpectSchema, INSTALLED_FAMILIES, NameSchema, SystemConfigSchema, TRACE_FORMAT } from './format.ts';
import { VmStepSchema } from './vm-steps.ts';

export const TRACE_VERSION_1 = 1;

export const TraceV1Schema = z.strictObject({
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_VERSION_1),
  tool: z.strictObject({ name: z.string().max(64), version: z.string().max(64) }),
  family: z.enum(INSTALLED_FAMILIES),
  impl: z.string().min(1).max(1024),
  faults: z.array(NameSchema).max(64),
  note: z.string().max(4096).optional(),
  config: SystemConfigSchema,
  seed: z.number().int().optional(),
  path: z.string().regex(/^\d+(:\d+)*$/).max(4096).optional(),
  properties: z.array(NameSchema).max(256),
  expect: ExpectSchema,
  commands: z.array(CommandSchema).max(1_000_000),
});

/** What qemu/trace.ts wrote in version 1 (`impl: "qemu"`); unknown keys were ignored then, and still are. */
export const QemuTraceV1Schema = z.object({
  format: z.literal(TRACE_FORMAT),
  version: z.literal(TRACE_VERSION_1),
  family: z.literal('virtio'),
  impl: z.literal('qemu'),
  property: z.string(),
  seed: z.number().int(),
  path: z.string(),
  config: z.object({ memMiB: z.number().int().positive(), deflateOnOom: z.boolean(), kernel: z.string(), qemu: z.string() }),
  steps: z.array(VmStepSchema).min(1),
  violations: z.array(z.object({ property: z.string(), step: z.number().int(), message: z.string() })),
  observations: z.unknown(),
  createdAt: z.string(),
});

export type TraceV1 = z.infer<typeof TraceV1Schema>;
export type QemuTraceV1 = z.infer<typeof QemuTraceV1Schema>;
