/**
 * The VirtualBox family's checking: properties, hostile requests, workload, runner, conformance,
 * and the family value registered in properties/families.ts.
 */
export { virtualbox, vboxRunner, vboxSummary, vboxWorld } from './family.ts';
export { VBOX_SHARED_INVARIANTS, VBOX_OWN_PROPERTIES } from './list.ts';
export { vboxConformanceProperty, vboxGuestState } from './conformance.ts';
export * from './property.ts';
export * from './hostile.ts';
export * from './workload.ts';
export * from './check.ts';
export * from './explore.ts';
