/** virtio-balloon's vocabulary on top of the world's (core/world.ts): import this in virtio code. */
export * from '../index.ts';
export * from './config.ts';
export * from './reporting.ts';
export * from './negotiation.ts';
export * from './commands.ts';
export * from './errors.ts';
export * from './effects.ts';
export * from './observation.ts';
export * from './system.ts';
export * from './contracts.ts';
// virtio's own step result and system interface shadow the world's generic ones of the same name.
export type { StepResult } from './effects.ts';
export type { SystemUnderTest, SystemFactory } from './system.ts';
export * from './stats.ts';
