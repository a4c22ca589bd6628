/** The Hyper-V family's checking: properties, hostile messages, workload, runner, seeded check and the family value. */
export { HV_PROPERTIES } from './list.ts';
export { hyperv, hvRunner, hvSummary, asSharedHvProperty, HV_SHARED_PROPERTIES, hvWorld } from './family.ts';
export * from './property.ts';
export * from './hostile.ts';
export * from './workload.ts';
export * from './check.ts';
export { hvConformanceProperty } from './conformance.ts';
