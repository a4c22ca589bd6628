export * from './faults.ts';
export * from './system.ts';
export { MAX_ARMED } from './host.ts';
