export * from './faults.ts';
export * from './system.ts';
export { TIMEOUT } from './balloon.ts';
