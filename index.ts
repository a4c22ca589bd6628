/**
 * balloon-testbed's library entry point: the vocabulary, the reference implementation, the
 * properties and the machinery to run them. Import from here when you write an adapter or drive
 * the testbed from your own tests.
 */
export * from './core/virtio/index.ts';
export { createReferenceSystem, referenceWithFaults, ReferenceSystem, FAULTS, faultNames, type FaultName, type ReferenceOptions } from './impl/virtio/index.ts';
export * from './properties/index.ts';
export { runCampaign, runCampaignAsync, type CampaignOptions, type CampaignReport, type Counterexample, type PropertyVerdict } from './properties/campaign.ts';
export { caseArb, configArb, commandArb, type Case, type WorkloadOptions } from './properties/workload.ts';
