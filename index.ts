/**
 * balloon-testbed's library entry point: the vocabulary, the reference implementation, the
 * properties and the machinery to run them. Import from here when you write an adapter or drive
 * the testbed from your own tests. This is the package's root export; `balloon-testbed/vitest`
 * (api/vitest.ts) is the other entry point, and nothing else is importable from the package.
 */
export * from './core/virtio/index.ts';
export { createReferenceSystem, referenceWithFaults, ReferenceSystem, FAULTS, faultNames, type FaultName, type ReferenceOptions } from './impl/virtio/index.ts';
export * from './properties/index.ts';
export { runCampaign, runCampaignAsync, type CampaignOptions, type CampaignReport, type Counterexample, type PropertyVerdict } from './properties/campaign.ts';
export { caseArb, configArb, commandArb, type Case, type WorkloadOptions } from './properties/workload.ts';
export {
  loadTrace, loadAnyTrace, parseTrace, validateTrace, saveTrace, serializeTrace, buildTrace, traceFromCounterexample,
  factoryForTrace, replayTrace, formatReplayReport, formatReplayCommand, TraceError, TRACE_FORMAT, TRACE_VERSION,
  type Trace, type AnyTrace, type TraceSource, type TraceExpect, type TraceInput, type ReplayOptions, type ReplayResult,
} from './traces/index.ts';
export {
  openImplementation, loadImplementation, guardImplementation, observationProblems, stepResultProblems,
  type OpenedImplementation, type LoadedImplementation, type GuardOptions,
} from './adapters/index.ts';
