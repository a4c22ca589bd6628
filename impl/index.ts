export { ReferenceSystem, createReferenceSystem } from './system.ts';
