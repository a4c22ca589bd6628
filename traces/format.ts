/**
 * The trace file format, version 2: one format for every trace, whatever ran it. A trace says
 * which family it belongs to and where it came from (`source`: the reference implementation
 * with its faults, a user's adapter, the model alone, or a real QEMU guest with what was observed
 * there), and holds the truth of the run: the configuration and the commands, or for a real VM
 * the VM steps. The rest (seed, path, tool version, note) helps a person; replay never needs it.
 * Nothing in a trace depends on the wall clock, so the same seed writes the same bytes.
 *
 * The zod schemas below are the single definition: `loadAnyTrace` validates with them, and
 * `traces/trace.schema.json` is generated from them (`npm run schema`; a test keeps the shipped
 * file current). Version 1 files (today's corpus and zoo were written in it) are read by
 * traces/format-v1.ts and migrated (traces/migrate.ts).
 *
 * Key order in a saved file is the order of the shapes below (zod rebuilds objects in shape
 * order), which is what makes `saveTrace` byte-stable.
 *
 * @example
 *   {"format":"balloon-trace","version":2,"tool":{"name":"balloon-testbed","version":"0.1.0"},
 *    "family":"virtio","source":{"kind":"reference","faults":[]},"config":{...},
 *    "properties":["frames-conserved"],"expect":{"verdict":"pass"},
 *    "commands":[{"kind":"set-target","guest":0,"pages":16}]}
 */
import { z } from 'zod';
import type { Command, SystemConfig } from '../core/virtio/index.ts';
import { FAMILIES } from '../properties/families.ts';
import type { AnyFamily } from '../properties/family.ts';
import { VmStepSchema, VmViolationSchema, XenStepSchema } from './vm-steps.ts';

export const TRACE_FORMAT = 'balloon-trace';
export const TRACE_VERSION = 2;
export const TOOL = { name: 'balloon-testbed', version: '0.1.0' } as const;
/** Families this build can replay (properties/families.ts). A trace naming another is refused before anything else is read. */
export const INSTALLED_FAMILIES = FAMILIES.map((f) => f.name) as [string, ...string[]];
/** Larger files are refused after `fs.stat`, before a byte is read: no trace we write comes close. */
export const MAX_TRACE_BYTES = 16 * 1024 * 1024;
/** The `--impl` name of the reference implementation; anything else is a module path. */
export const REFERENCE_IMPL = 'reference';

const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
/** Property and fault names: kebab-case, as on the command line. */
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);

/**
 * virtio's configuration and commands, as version 1 files (all virtio) are checked: the one
 * definition is the family's (core/virtio/schema.ts).
 */
export { VirtioCommandSchema as CommandSchema, VirtioConfigSchema as SystemConfigSchema } from '../core/virtio/schema.ts';

/** A recorded failure: which property, after which step, and what it said. */
export const FailureExpectSchema = z.strictObject({
  verdict: z.literal('fail'),
  property: z.string().min(1).max(64),
  /** Index of the step after which the property failed; -1 when it failed at the end of the run. */
  step: whole(-1),
  message: z.string().max(4096),
});

export const ExpectSchema = z.discriminatedUnion('verdict', [
  z.strictObject({ verdict: z.literal('pass') }),
  FailureExpectSchema,
]);

/** Property and fault names as the schemas of traces/format-v1.ts check them. */
export const NameSchema = name;

/**
 * Where a trace came from, with what replaying it needs. A trace never loads code by itself: an
 * adapter's module is imported only when the person replaying names it (traces/factory.ts).
 */
export const CommandSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('reference'),
    /** Bug-zoo faults of the trace's family (impl/<family>/faults.ts) switched on: the family's `withFaults(faults)`. */
    faults: z.array(name).max(64).describe('bug-zoo faults of the trace\'s family (impl/<family>/faults.ts) switched on in its reference implementation'),
  }).describe('recorded on the reference implementation'),
  z.strictObject({
    kind: z.literal('adapter'),
    module: z.string().min(1).max(1024).describe('the module path of the adapter, loaded only when the user names it with --impl'),
  }).describe('recorded on a user\'s implementation, through an adapter'),
  z.strictObject({ kind: z.literal('model') })
    .describe('written for the model alone (a scenario, or a walk of the statecharts): replays on the reference implementation unless --impl is given'),
]);

/** A real VM: the versions it ran, its size, and what was observed there (qemu/runner.ts `CaseRecord`). */
export const QemuSourceSchema = z.strictObject({
  kind: z.literal('qemu'),
  qemu: z.string().max(256).describe('the QEMU version'),
  kernel: z.string().max(256).describe('the guest kernel version'),
  memMiB: whole(1, 1 << 20).describe('the guest\'s RAM'),
  deflateOnOom: z.boolean().describe('whether the device offered VIRTIO_BALLOON_F_DEFLATE_ON_OOM'),
  violations: z.array(VmViolationSchema).max(4096).describe('every violation the QEMU properties found in the run'),
  observations: z.record(z.string(), z.unknown()).describe('what the VM showed at each step (informational; replay observes again)'),
}).describe('recorded on a real QEMU guest running Linux');

/** A real Xen machine under QEMU (qemu/xen/): the versions it ran and what was observed (qemu/xen/runner.ts `XenCaseRecord`). */
export const XenRealSourceSchema = z.strictObject({
  kind: z.literal('xen-real'),
  qemu: z.string().max(256).describe('the QEMU version'),
  xen: z.string().max(256).describe('the Xen and kernel versions (`xen=… dom0=… domu=…`)'),
  domu: z.boolean().describe('whether the PV domU ran beside dom0'),
  violations: z.array(VmViolationSchema).max(4096).describe('every violation the real-Xen properties found in the run'),
  observations: z.record(z.string(), z.unknown()).describe('what the machine showed at each step (informational; replay observes again)'),
}).describe('recorded on a real Xen hypervisor with a Linux dom0 (and PV domU), under QEMU');

export type TraceSource = z.infer<typeof CommandSourceSchema> | z.infer<typeof QemuSourceSchema> | z.infer<typeof XenRealSourceSchema>;

/** The header every trace has, in the order a saved file lists it. */
const header = {
  format: z.literal(TRACE_FORMAT).describe('always "balloon-trace"'),
  version: z.literal(TRACE_VERSION).describe('trace format version; version 1 files are read and migrated (traces/migrate.ts), newer ones refused'),
  tool: z.strictObject({ name: z.string().max(64), version: z.string().max(64) }).describe('the tool that wrote the file (informational)'),
  family: z.enum(INSTALLED_FAMILIES).describe('the protocol family; replay refuses a family that is not installed'),
};
/** The fast-check seed and path that found it, when a campaign did: to paste back, never needed to replay. */
const found = {
  seed: z.number().int().optional().describe('fast-check seed that found the trace (informational)'),
  path: z.string().regex(/^\d+(:\d+)*$/).max(4096).optional().describe('fast-check replay path (informational)'),
};

/** A run of commands of one family, on an implementation (or written for the model): replayed on both. */
function familyTraceSchema(f: AnyFamily) {
  return z.strictObject({
    ...header,
    family: z.literal(f.name).describe('the protocol family; replay refuses a family that is not installed'),
    source: CommandSourceSchema.describe('where the trace came from'),
    /** A human description: what the scenario shows. Hand-written corpus traces have one. */
    note: z.string().max(4096).optional().describe('what the scenario shows, for a person'),
    config: f.schemas.config,
    ...found,
    /** Names of the properties checked (the conformance property, when installed, runs as well). */
    properties: z.array(name).max(256).describe('names of the properties checked'),
    expect: ExpectSchema.describe('how the run ended when the trace was saved: replay compares with it'),
    commands: z.array(f.schemas.command).max(1_000_000).describe('the workload, in order: the truth of the run'),
  }).describe(`a trace of the ${f.name} family`);
}

/** A trace of commands of any installed family: its `family` picks the configuration and commands it may hold. */
export const TraceSchema = z.discriminatedUnion('family', FAMILIES.map(familyTraceSchema) as unknown as [ReturnType<typeof familyTraceSchema>, ...ReturnType<typeof familyTraceSchema>[]]);

/** The command kinds of a family, for messages. */
export const commandKindsOf = (family: string): readonly string[] => FAMILIES.find((f) => f.name === family)?.commandKinds ?? [];

/** A run of VM steps on a real guest (qemu/): replayed on a fresh VM. */
export const QemuTraceSchema = z.strictObject({
  ...header,
  source: QemuSourceSchema,
  note: z.string().max(4096).optional().describe('what the run shows, for a person'),
  ...found,
  properties: z.array(name).max(256).describe('names of the QEMU properties checked (qemu/properties.ts)'),
  expect: FailureExpectSchema.describe('the recorded failure: replay says whether it came back'),
  steps: z.array(VmStepSchema).min(1).max(100_000).describe('what the host and the guest did, in order: the truth of the run'),
});

/** A run of toolstack and dom0 steps on a real Xen machine (qemu/xen/): replayed on a fresh machine. */
export const XenRealTraceSchema = z.strictObject({
  ...header,
  family: z.literal('xen').describe('always "xen"'),
  source: XenRealSourceSchema,
  note: z.string().max(4096).optional().describe('what the run shows, for a person'),
  ...found,
  properties: z.array(name).max(256).describe('names of the real-Xen properties checked (qemu/xen/properties.ts)'),
  expect: FailureExpectSchema.describe('the recorded failure: replay says whether it came back'),
  steps: z.array(XenStepSchema).min(1).max(100_000).describe('what the toolstack and dom0 did, in order: the truth of the run'),
});

/** Every trace file: one format, told apart by `source.kind`. */
export const TraceFileSchema = z.union([TraceSchema, QemuTraceSchema, XenRealTraceSchema]);

export type TraceExpect = z.infer<typeof ExpectSchema>;

/**
 * A validated trace of commands. The configuration and commands are in its family's vocabulary
 * (typed here in virtio's, the first family's; another family's values pass through as they are).
 */
export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  tool: { name: string; version: string };
  family: string;
  source: z.infer<typeof CommandSourceSchema>;
  note?: string;
  config: SystemConfig;
  seed?: number;
  path?: string;
  properties: string[];
  expect: TraceExpect;
  commands: Command[];
}

/** A validated trace of a real VM. */
export type QemuTrace = z.infer<typeof QemuTraceSchema>;

/** A validated trace of a real Xen machine. */
export type XenRealTrace = z.infer<typeof XenRealTraceSchema>;

/** Any trace file: what `loadAnyTrace` returns; `isQemuTrace` and `isXenRealTrace` tell them apart. */
export type AnyTrace = Trace | QemuTrace | XenRealTrace;

export const isQemuTrace = (t: AnyTrace): t is QemuTrace => t.source.kind === 'qemu';
export const isXenRealTrace = (t: AnyTrace): t is XenRealTrace => t.source.kind === 'xen-real';
/** A trace of a real machine (VM steps, not commands): QEMU/virtio or Xen. */
export const isRealTrace = (t: AnyTrace): t is QemuTrace | XenRealTrace => isQemuTrace(t) || isXenRealTrace(t);

/** The bug-zoo faults a trace switches on: those of a reference source, none for any other. */
export const sourceFaults = (s: TraceSource): readonly string[] => (s.kind === 'reference' ? s.faults : []);

/** How reports name a source: `reference`, `model`, `qemu`, or the adapter's module path. */
export const sourceName = (s: TraceSource): string => (s.kind === 'adapter' ? s.module : s.kind);

/** The JSON Schema of a trace file, as shipped in traces/trace.schema.json. */
export function traceJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(TraceFileSchema),
    title: `balloon-testbed trace, format version ${TRACE_VERSION}`,
  };
}
