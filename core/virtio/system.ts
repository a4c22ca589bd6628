/**
 * The interface an implementation under test satisfies. The reference implementation (impl/)
 * does; so can a user's adapter around their own device model or driver.
 *
 * @example
 *   const sys = createReferenceSystem(systemConfig());
 *   const r = sys.apply({ kind: 'set-target', guest: guestId(0), pages: 16 });
 *   if (r.outcome === 'refused') console.log(r.code);
 *   const obs = sys.observe();
 */
import type { Command } from './commands.ts';
import type { SystemConfig } from './config.ts';
import type { StepResult } from './effects.ts';
import type { Observation } from './observation.ts';
import type { SystemUnderTest as WorldSystemUnderTest } from '../world.ts';

export type SystemUnderTest = WorldSystemUnderTest<Command, Observation, SystemConfig, StepResult>;

export type SystemFactory = (config: SystemConfig) => SystemUnderTest;
