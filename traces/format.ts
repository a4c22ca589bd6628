/**
 * The trace file format, version 1: a configuration and the list of commands that is the whole
 * truth of a run, plus conveniences (seed, path, tool version) that help a person but that replay
 * never needs. The zod schema below is the single definition: `loadTrace` validates with it, and
 * `traces/trace.schema.json` is generated from it (`npx tsx traces/write-schema.ts`; a test keeps
 * the shipped file current).
 *
 * Key order in a saved file is the order of the shapes below (zod rebuilds objects in shape
 * order), which is what makes `saveTrace` byte-stable.
 *
 * @example
 *   {"format":"balloon-trace","version":1,"tool":{"name":"balloon-testbed","version":"0.1.0"},
 *    "family":"virtio","impl":"reference","faults":[],"config":{...},"properties":["frames-conserved"],
 *    "expect":{"verdict":"pass"},"commands":[{"kind":"set-target","guest":0,"pages":16}]}
 */
import { z } from 'zod';
import { commandKinds, hostileKinds, type Command, type HostileKind, type SystemConfig } from '../core/virtio/index.ts';

export const TRACE_FORMAT = 'balloon-trace';
export const TRACE_VERSION = 1;
export const TOOL = { name: 'balloon-testbed', version: '0.1.0' } as const;
/** Families this build can replay. A trace naming another is refused before anything else is read. */
export const INSTALLED_FAMILIES = ['virtio'] as const;
/** Larger files are refused after `fs.stat`, before a byte is read: no trace we write comes close. */
export const MAX_TRACE_BYTES = 16 * 1024 * 1024;
/** The implementation name that means `createReferenceSystem`; anything else is a module path. */
export const REFERENCE_IMPL = 'reference';

const MAX_U32 = 2 ** 32 - 1;
const whole = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
/** Property and fault names: kebab-case, as on the command line. */
const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);
const guest = whole(0, 255);

const commandSchemas = [
  z.strictObject({ kind: z.literal('set-target'), guest, pages: whole(-MAX_U32, MAX_U32) }),
  z.strictObject({ kind: z.literal('driver'), guest }),
  z.strictObject({ kind: z.literal('device'), guest, queue: z.enum(['inflate', 'deflate', 'stats']) }),
  z.strictObject({ kind: z.literal('alloc'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('free'), guest, pages: whole(0, MAX_U32), pick: whole(0) }),
  z.strictObject({ kind: z.literal('write'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('read'), guest, pick: whole(0) }),
  z.strictObject({ kind: z.literal('reset'), guest }),
  z.strictObject({ kind: z.literal('hostile'), guest, request: z.enum(hostileKinds as [HostileKind, ...HostileKind[]]), pick: whole(0) }),
] as const;
export const CommandSchema = z.discriminatedUnion('kind', [...commandSchemas]);

// Every command kind of core/ has a schema here, and no other: a new kind fails this at compile time.
type SchemaKinds = z.infer<typeof CommandSchema>['kind'];
const _sameKinds: [SchemaKinds, Command['kind']] = ['' as Command['kind'], '' as SchemaKinds];
void _sameKinds;
/** The known command kinds, for messages. */
export const KNOWN_COMMAND_KINDS: readonly string[] = commandKinds;

const FeaturesSchema = z.strictObject({ mustTellHost: z.boolean(), statsVq: z.boolean(), deflateOnOom: z.boolean() });
const GuestConfigSchema = z.strictObject({
  ramPages: whole(1, 1 << 24),
  guestPageGpfns: z.literal([1, 16]),
  holeStart: whole(0, 1 << 24),
  holePages: whole(0, 1 << 24),
  floorPages: whole(0, 1 << 24),
  features: FeaturesSchema,
  assignedDevice: z.boolean(),
});
export const SystemConfigSchema = z.strictObject({
  family: z.enum(INSTALLED_FAMILIES),
  hostFrames: whole(1, 1 << 24),
  reservedFrames: whole(0, 1 << 24),
  hostPageGpfns: z.literal([1, 16, 512]),
  maxBatch: whole(1, 4096),
  guests: z.array(GuestConfigSchema).min(1).max(256),
});

export const ExpectSchema = z.discriminatedUnion('verdict', [
  z.strictObject({ verdict: z.literal('pass') }),
  z.strictObject({
    verdict: z.literal('fail'),
    property: z.string().min(1).max(64),
    /** Index of the step after which the property failed; -1 when it failed at the end of the run. */
    step: whole(-1),
    message: z.string().max(4096),
  }),
]);

export const TraceSchema = z.strictObject({
  format: z.literal(TRACE_FORMAT).describe('always "balloon-trace"'),
  version: z.literal(TRACE_VERSION).describe('trace format version; a reader refuses versions it does not know'),
  tool: z.strictObject({ name: z.string().max(64), version: z.string().max(64) }).describe('the tool that wrote the file (informational)'),
  family: z.enum(INSTALLED_FAMILIES).describe('the protocol family; replay refuses a family that is not installed'),
  /** `reference`, or the module path of an adapter (loaded only when the user names it too). */
  impl: z.string().min(1).max(1024).describe('"reference", or the module path of the adapter the trace was recorded on'),
  /** Bug-zoo faults (impl/virtio/faults.ts) switched on in the reference implementation: `referenceWithFaults(faults)`. */
  faults: z.array(name).max(64).describe('bug-zoo faults (impl/virtio/faults.ts) switched on in the reference implementation'),
  /** A human description: what the scenario shows. Hand-written corpus traces have one. */
  note: z.string().max(4096).optional().describe('what the scenario shows, for a person'),
  config: SystemConfigSchema,
  /** The fast-check seed and path that found it, when a campaign did: to paste back, never needed to replay. */
  seed: z.number().int().optional().describe('fast-check seed that found the trace (informational)'),
  path: z.string().regex(/^\d+(:\d+)*$/).max(4096).optional().describe('fast-check replay path (informational)'),
  /** Names of the properties checked (the conformance property, when installed, runs as well). */
  properties: z.array(name).max(256).describe('names of the properties checked'),
  expect: ExpectSchema.describe('how the run ended when the trace was saved: replay compares with it'),
  commands: z.array(CommandSchema).max(1_000_000).describe('the workload, in order: the truth of the run'),
});

export type TraceExpect = z.infer<typeof ExpectSchema>;

/** A validated trace. Same shape as the schema's, with core's branded types for config and commands. */
export type Trace = Omit<z.infer<typeof TraceSchema>, 'config' | 'commands'> & {
  config: SystemConfig;
  commands: Command[];
};

/** The JSON Schema of a trace file, as shipped in traces/trace.schema.json. */
export function traceJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(TraceSchema),
    title: 'balloon-testbed trace, format version 1',
  };
}
