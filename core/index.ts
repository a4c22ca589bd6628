/** The shared vocabulary: ids, the world every family works over, and error description. */
export * from './ids.ts';
export * from './world.ts';
export * from './layout.ts';
export * from './describe-thrown.ts';
export * from './fork.ts';
export * from './paged.ts';
