export * from './config.ts';
export * from './commands.ts';
export * from './errors.ts';
export * from './effects.ts';
export * from './observation.ts';
