/**
 * The Xen family's checking: properties, hostile requests, workload, runner, seeded check, and
 * the family value registered in properties/families.ts.
 */
export { XEN_PROPERTIES, XEN_CONFORMANCE } from './list.ts';
export { xen, xenRunner, xenSummary, asSharedProperty, XEN_SHARED_PROPERTIES } from './family.ts';
export * from './property.ts';
export * from './hostile.ts';
export * from './workload.ts';
export * from './available.ts';
export * from './check.ts';
