/**
 * Traces: saved runs that replay without the generator. The commands are the truth; seed, path
 * and tool version are conveniences. See docs/TRACES.md.
 */
export {
  TRACE_FORMAT, TRACE_VERSION, TOOL, INSTALLED_FAMILIES, MAX_TRACE_BYTES, REFERENCE_IMPL,
  TraceSchema, QemuTraceSchema, TraceFileSchema, CommandSchema, SystemConfigSchema, ExpectSchema, traceJsonSchema,
  isQemuTrace, sourceFaults, sourceName,
  type Trace, type QemuTrace, type AnyTrace, type TraceSource, type TraceExpect,
} from './format.ts';
export { VmStepSchema, type VmStep } from './vm-steps.ts';
export { TraceError } from './errors.ts';
export {
  loadAnyTrace, loadAnyTraceChecked, parseAnyTrace, validateAnyTrace,
  loadTrace, loadTraceChecked, parseTrace, validateTrace, commandTrace, qemuTrace,
} from './load.ts';
export { checkContentHash, contentHash, hashMismatchProblem, type HashCheck } from './hash.ts';
export { saveTrace, serializeTrace, traceFileName, formatReplayCommand } from './save.ts';
export { buildTrace, traceFromCounterexample, type TraceInput } from './build.ts';
export { factoryForTrace, referenceFactory } from './factory.ts';
export { replayTrace, type ReplayOptions, type ReplayResult, type ReplayVerdict, type StepSnapshot } from './replay.ts';
export { formatReplayReport, formatHeader, formatStepTable, formatOutcome, formatSnippet, changes } from './report.ts';
