/**
 * Properties are named data (after stateright): one list serves every checker, whether random
 * (fast-check), replay of a saved trace, or exhaustive exploration. Each property makes a fresh
 * monitor per run; the monitor sees every step's command, result and observation, and may keep
 * its own small state (a shadow of what the guest wrote, say).
 */
import type { Command, EffectKind, Observation, StepResult, SystemConfig } from '../core/virtio/index.ts';

export type PropertyKind = 'always' | 'eventually';

/** What went wrong, in the protocol's words, with the offending ids when there are some. */
export interface Violation {
  message: string;
  guest?: number;
  gpfn?: number;
  frame?: number;
}

export interface StepContext {
  /** 0-based index of the command in the run (drain steps continue the count). */
  index: number;
  command: Command;
  result: StepResult;
  /** The observation after the step. */
  obs: Observation;
  /** The command's guest before the step: counters, target and actual (a copy, not a view). */
  before: GuestSummary;
  /** True for steps of the final fair drain, which the runner adds after the workload. */
  draining: boolean;
}

export interface GuestSummary {
  free: number; used: number; ballooned: number; inflating: number; deflating: number; target: number; actual: number;
  /** The host's free frames before the step (what an allocation or a touch may draw on). */
  hostFree: number;
  /** An acknowledged buffer waited for the driver. */
  ackWaiting: boolean;
  /** A buffer of the driver's own (driver or OOM origin) was on the inflate or deflate queue, acknowledged or not. */
  ownPending: boolean;
  /** Per queue, the id of the oldest buffer the device had not processed, or -1. */
  unprocessed: { inflate: number; deflate: number; stats: number };
}

export interface EndContext {
  obs: Observation;
  config: SystemConfig;
  /** Did the fair drain reach quiescence (no buffer in flight, no driver work left)? */
  quiescent: boolean;
  /** How many drain rounds it took, and the bound. */
  drainRounds: number;
  drainBound: number;
  /**
   * Per guest, the host's own target: what the last well-formed `set-target` of the run asked,
   * clamped to the guest's RAM as QEMU's virtio_balloon_to_target does (0 before any). Not the
   * target the implementation reports: liveness judged against that would trust the system.
   */
  targets: readonly number[];
}

export interface PropertyMonitor {
  /** After each step: look only at what the step changed (its effects), so cost does not grow with memory. */
  step?(ctx: StepContext): Violation | null;
  /**
   * The effect kinds `step` reads. When given, the runner calls `step` only for steps with at
   * least one of them: most steps of a run touch few kinds, so most monitors are skipped. Leave it
   * out to be called on every step (a refused command, say, has no effects to announce it).
   */
  interests?: readonly EffectKind[];
  /** A full audit of the whole observation: every K steps and at the end. */
  audit?(obs: Observation): Violation | null;
  /** Once, after the fair drain at the end of a run: liveness. */
  end?(ctx: EndContext): Violation | null;
}

export interface Property {
  /** Stable, kebab-case; used on the command line and in traces. */
  name: string;
  kind: PropertyKind;
  /** One line: what holds. */
  doc: string;
  /** Where it comes from: docs/INVARIANTS.md invariant numbers or liveness names, spec sections. */
  refs: string;
  monitor(config: SystemConfig): PropertyMonitor;
}
