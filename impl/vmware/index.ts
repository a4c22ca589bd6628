export * from './faults.ts';
export * from './system.ts';
