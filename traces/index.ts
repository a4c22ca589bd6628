/**
 * Traces: saved runs that replay without the generator. The commands are the truth; seed, path
 * and tool version are conveniences. See docs/TRACES.md.
 */
export {
  TRACE_FORMAT, TRACE_VERSION, TOOL, INSTALLED_FAMILIES, MAX_TRACE_BYTES, REFERENCE_IMPL,
  TraceSchema, CommandSchema, SystemConfigSchema, ExpectSchema, traceJsonSchema,
  type Trace, type TraceExpect,
} from './format.ts';
export { TraceError } from './errors.ts';
export { loadTrace, loadTraceChecked, parseTrace, validateTrace } from './load.ts';
export { checkContentHash, contentHash, hashMismatchProblem, type HashCheck } from './hash.ts';
export { saveTrace, serializeTrace, traceFileName, formatReplayCommand } from './save.ts';
export { buildTrace, traceFromCounterexample, type TraceInput } from './build.ts';
export { factoryForTrace, referenceFactory, KNOWN_FAULTS } from './factory.ts';
export { replayTrace, type ReplayOptions, type ReplayResult, type ReplayVerdict, type StepSnapshot } from './replay.ts';
export { formatReplayReport, formatHeader, formatStepTable, formatOutcome, formatSnippet, changes } from './report.ts';
