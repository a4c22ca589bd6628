/**
 * The VMware family's checking: properties, hostile requests, workload, runner, conformance, and
 * the family value registered in properties/families.ts.
 */
export { vmware, vmwRunner, vmwSummary, vmwWorld } from './family.ts';
export { VMW_SHARED_INVARIANTS, VMW_OWN_PROPERTIES } from './list.ts';
export { vmwConformanceProperty } from './conformance.ts';
export * from './property.ts';
export * from './hostile.ts';
export * from './workload.ts';
export * from './check.ts';
export * from './explore.ts';
