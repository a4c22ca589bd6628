/**
 * Hyper-V properties as named data, the same shape as properties/property.ts over the Hyper-V
 * observation and effects (as properties/xen/property.ts does for Xen). Each monitor sees every
 * step's command, result and observation, and may keep small state.
 */
import type { HvCommand, HvContractBefore, HvObservation, HvStepResult, HvSystemConfig } from '../../core/hyperv/index.ts';
import type { WorldSummary } from '../property.ts';

export interface HvViolation { message: string; guest?: number; gpfn?: number; frame?: number }

/** The command's guest before the step, as plain numbers (a copy, not a view). */
export type HvBefore = WorldSummary & HvContractBefore;

export interface HvStepContext {
  index: number;
  command: HvCommand;
  result: HvStepResult;
  obs: HvObservation;
  before: HvBefore;
  draining: boolean;
}

export interface HvEndContext {
  obs: HvObservation;
  config: HvSystemConfig;
  quiescent: boolean;
  drainRounds: number;
  /** Per guest, the host's own last target (clamped to RAM), not what the implementation reports. */
  targets: readonly number[];
}

export interface HvMonitor {
  step?(ctx: HvStepContext): HvViolation | null;
  audit?(obs: HvObservation): HvViolation | null;
  end?(ctx: HvEndContext): HvViolation | null;
  /** A monitor in the same state that goes on alone (properties/property.ts PropertyMonitor.fork: `stateless`, `forkable`). */
  fork?(): HvMonitor;
}

export interface HvProperty {
  name: string;
  kind: 'always' | 'eventually';
  doc: string;
  refs: string;
  monitor(config: HvSystemConfig): HvMonitor;
}
