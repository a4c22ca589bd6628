/**
 * Xen properties as named data, the same shape as properties/property.ts but over the Xen
 * observation and effects, until the family seam (core/world.ts) lets one list serve both. Each
 * monitor sees every step's command, result and observation, and may keep small state.
 */
import type { XenCommand, XenObservation, XenStepResult, XenSystemConfig } from '../../core/xen/index.ts';

export interface XenViolation { message: string; guest?: number; gpfn?: number; frame?: number }

/** The command's guest before the step, as plain numbers (a copy, not a view). */
export interface XenBefore {
  current: number; target: number; used: number; free: number; ballooned: number;
  balloonLow: number; lent: number; podEntries: number; podCache: number; hostFree: number; now: number;
  /** Frames a populate could take (free less the PoD caches' claims), and frames the guest maps. */
  available: number; mapped: number;
}

export interface XenStepContext {
  index: number;
  command: XenCommand;
  result: XenStepResult;
  obs: XenObservation;
  before: XenBefore;
  draining: boolean;
}

export interface XenEndContext {
  obs: XenObservation;
  config: XenSystemConfig;
  /** Did the fair drain come to rest (a round in which no balloon pass ran)? */
  quiescent: boolean;
  drainRounds: number;
  /** Per guest, the toolstack's own last target (clamped to RAM), not what the driver reports. */
  targets: readonly number[];
  /** Frames a populate could still take at the end (free host frames not claimed by a PoD cache). */
  available: number;
}

export interface XenMonitor {
  step?(ctx: XenStepContext): XenViolation | null;
  audit?(obs: XenObservation): XenViolation | null;
  end?(ctx: XenEndContext): XenViolation | null;
  /** A monitor in the same state that goes on alone (properties/property.ts PropertyMonitor.fork: `stateless`, `forkable`). */
  fork?(): XenMonitor;
}

export interface XenProperty {
  name: string;
  kind: 'always' | 'eventually';
  doc: string;
  refs: string;
  monitor(config: XenSystemConfig): XenMonitor;
}
