/**
 * Properties are named data (after stateright): one list serves every checker, whether random
 * (fast-check), replay of a saved trace, or exhaustive exploration. Each property makes a fresh
 * monitor per run; the monitor sees every step's command, result and observation, and may keep
 * its own small state (a shadow of what the guest wrote, say).
 */
import { forkState, type AnyCommand, type StepResult, type WorldConfig, type WorldEffect, type WorldObservation } from '../core/index.ts';

export type PropertyKind = 'always' | 'eventually';

/** What went wrong, in the protocol's words, with the offending ids when there are some. */
export interface Violation {
  message: string;
  guest?: number;
  gpfn?: number;
  frame?: number;
}

/** The command's guest before a step, as plain numbers: what every family reports. */
export interface WorldSummary {
  free: number; used: number; ballooned: number; inflating: number; deflating: number; target: number; actual: number;
  /** The host's free frames before the step (what an allocation or a touch may draw on). */
  hostFree: number;
}

/**
 * What the shared invariants need to know of a family that its observation does not say alike
 * for every family: each answer cites the family's source (properties/<family>/family.ts).
 */
export interface FamilyWorld {
  /**
   * The oldest protocol request of guest `guest` still in flight, in the family's words, or null
   * when none is: while one is, the guest's and the host's views of the balloon may differ.
   */
  pending(obs: WorldObservation, guest: number): string | null;
  /** May the host take frames away from a guest during this command (a balloon request served)? */
  releases(command: AnyCommand): boolean;
  /** Must guest `guest` wait for the host before it touches a gpfn the host still holds as ballooned? */
  reuseWaitsForHost(obs: WorldObservation, guest: number): boolean;
  /**
   * May a guest write `actual` before the acknowledgement it describes (anything from the
   * acknowledged balloon to the balloon once its requests in flight are through)? Absent: no.
   * virtio's `spec` profile says yes (VIRTIO 5.5.6.1 forbids no early write).
   */
  actualMayLead?(config: WorldConfig): boolean;
  /**
   * May the host drop the frames of a page guest `guest` reported free (PageState.Reported) while
   * it serves the report? Null when it may, else why not. Absent: no family reports free pages.
   * virtio: yes without PAGE_POISON (VIRTIO 1.2 5.5.6.7.2 statement 64), no with it (statement 65).
   */
  reportedMayDrop?(obs: WorldObservation, guest: number): string | null;
}

export interface StepContext<C extends AnyCommand = AnyCommand, O extends WorldObservation = WorldObservation, S extends WorldSummary = WorldSummary, R extends StepResult = StepResult<WorldEffect>> {
  /** 0-based index of the command in the run (drain steps continue the count). */
  index: number;
  command: C;
  /** What the step did; a shared property reads the world's effects and passes over a family's own. */
  result: R;
  /** The observation after the step. */
  obs: O;
  /** The command's guest before the step: counters, target and actual (a copy, not a view). */
  before: S;
  /** True for steps of the final fair drain, which the runner adds after the workload. */
  draining: boolean;
}

export interface EndContext<O extends WorldObservation = WorldObservation, K extends WorldConfig = WorldConfig> {
  obs: O;
  config: K;
  /** Did the fair drain reach quiescence (no request in flight, no driver work left)? */
  quiescent: boolean;
  /** How many drain rounds it took, and the bound. */
  drainRounds: number;
  drainBound: number;
  /**
   * Per guest, the host's own target: what the last well-formed target command of the run asked,
   * clamped as the family's host side does (0 before any). Not the target the implementation
   * reports: liveness judged against that would trust the system.
   */
  targets: readonly number[];
}

export interface PropertyMonitor<C extends AnyCommand = AnyCommand, O extends WorldObservation = WorldObservation, K extends WorldConfig = WorldConfig, S extends WorldSummary = WorldSummary, R extends StepResult = StepResult<WorldEffect>> {
  /** After each step: look only at what the step changed (its effects), so cost does not grow with memory. */
  step?(ctx: StepContext<C, O, S, R>): Violation | null;
  /**
   * The effect kinds `step` reads. When given, the runner calls `step` only for steps with at
   * least one of them: most steps of a run touch few kinds, so most monitors are skipped. Leave it
   * out to be called on every step (a refused command, say, has no effects to announce it).
   */
  interests?: readonly string[];
  /** A full audit of the whole observation: every K steps and at the end. */
  audit?(obs: O): Violation | null;
  /** Once, after the fair drain at the end of a run: liveness. */
  end?(ctx: EndContext<O, K>): Violation | null;
  /**
   * Optional: a monitor in the same state that goes on alone (the explorer forks a case instead
   * of replaying it; properties/runner.ts CaseSession.fork). A monitor that keeps no state of its
   * own returns itself (`stateless`); one that does copies it (`forkable`). Without it the
   * explorer replays every path.
   */
  fork?(): PropertyMonitor<C, O, K, S, R>;
}

/** Any monitor with an optional fork: the shared PropertyMonitor, and the Xen and Hyper-V ones (properties/<family>/property.ts). */
export interface ForkableMonitor { step?(ctx: never): unknown; interests?: readonly string[]; audit?(obs: never): unknown; end?(ctx: never): unknown; fork?(): unknown }

/**
 * A monitor whose state is all in `state` (plain data: arrays, typed arrays, Maps, Sets, numbers),
 * built by `make`; its fork is `make` over a deep copy of that state (core/fork.ts). `make` must
 * keep nothing else that changes: every `let` of the monitor lives in `state`.
 */
export function forkable<S extends object, M extends ForkableMonitor>(state: S, make: (state: S) => M): M {
  const m = make(state);
  m.fork = () => forkable(forkState(state), make);
  return m;
}

/** A monitor that keeps no state between calls (it reads only the step and the observation): its fork is itself. */
export function stateless<M extends ForkableMonitor>(m: M): M {
  m.fork = () => m;
  return m;
}

/**
 * A property. The shared invariants are written on the world's types (core/world.ts) and hold
 * for every family; a family's own properties use its vocabulary's types.
 */
export interface Property<C extends AnyCommand = AnyCommand, O extends WorldObservation = WorldObservation, K extends WorldConfig = WorldConfig, S extends WorldSummary = WorldSummary, R extends StepResult = StepResult<WorldEffect>> {
  /** Stable, kebab-case; used on the command line and in traces. */
  name: string;
  kind: PropertyKind;
  /** One line: what holds. */
  doc: string;
  /** Where it comes from: docs/INVARIANTS.md invariant numbers or liveness names, spec sections. */
  refs: string;
  /** A fresh monitor for one run; `world` answers what the shared invariants ask of the family. */
  monitor(config: K, world: FamilyWorld): PropertyMonitor<C, O, K, S, R>;
}

/** A property of any family's vocabulary, as lists and the shared machinery hold it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProperty = Property<any, any, any, any, any>;
