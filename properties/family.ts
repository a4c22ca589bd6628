/**
 * A protocol family as one value: everything the shared machinery (runner, campaign, shrinking,
 * traces, coverage, the CLI) needs to know about virtio-balloon, Xen, … and nothing it may switch
 * on. Each family builds its value beside its own code (properties/<family>/family.ts) and is
 * registered once, in properties/families.ts; `balloon list`, `--family`, the trace schema and
 * coverage are derived from these values. A `switch (family)` in shared code means the seam is
 * in the wrong place (docs/ARCHITECTURE.md, "The family seam").
 */
import type fc from 'fast-check';
import type { z } from 'zod';
import type { AnyStateMachine, AnyTransitionDefinition, StateValue } from 'xstate';
import type { AnyCommand, GuestId, StepResult, SystemUnderTest, WorldConfig, WorldObservation } from '../core/index.ts';
import type { AnyProperty, FamilyWorld, WorldSummary } from './property.ts';
import type { ReachCatalogue } from './reach/situation.ts';
import type { Fingerprint, GuestSymmetry } from './state-key.ts';

/** A case: a configuration and the commands run on it. */
export interface FamilyCase<C extends AnyCommand = AnyCommand, K extends WorldConfig = WorldConfig> {
  config: K;
  commands: C[];
}

export interface FamilyWorkloadOptions<K extends WorldConfig = WorldConfig> {
  /** Longest command list. */
  maxCommands?: number;
  /** Fix the configuration instead of generating one. */
  config?: K;
}

/** A bug of the family's zoo: a real one, put back into the reference implementation by a switch. */
export interface FamilyFault {
  name: string;
  /** What went wrong, in one line. */
  summary: string;
  /** Where it is public: a commit, an advisory, a mailing-list thread. */
  source: string;
  /** Properties expected to catch it (any one of them counts). */
  catches: readonly string[];
}

/**
 * How the runner drives a run of this family: what the guest looked like before a step, how a
 * hostile request is filled in, what the host's own target is, and the fair drain at the end.
 */
export interface FamilyRunner<C extends AnyCommand, O extends WorldObservation, K extends WorldConfig> {
  /** The command's guest before a step, as plain numbers (observations may be live views). */
  summary(obs: O, guest: number): WorldSummary;
  /**
   * The command as it is applied: test input a family builds from this moment (hostile requests);
   * else `c`. `aim` is the gpfn the guest was given back last (givenBack), -1 or absent when none:
   * a hostile request whose pick is AIM_PICK is built there (properties/workload.ts aimedPick).
   */
  prepare(c: C, config: K, obs: O, aim?: number): C;
  /**
   * The gpfn a step gave back to a guest last (a deflate, an unballoon, a populate: the driver's
   * pages out of the balloon), or null when it gave none back; the runner keeps the last one per
   * guest for `prepare`. Absent: hostile requests are never aimed.
   */
  givenBack?(result: StepResult, config: K): { guest: number; gpfn: number } | null;
  /** The host's own target for `c.guest` after `c`, in 4 KiB pages, when `c` sets one; else null. */
  hostTarget(c: C, config: K): number | null;
  /** The host's own target for a guest before any command sets one, in 4 KiB pages; 0 when absent. */
  initialTarget?(config: K, guest: number): number;
  /** The command by which the host re-asserts its target (in 4 KiB pages) at the start of the drain; `config` for a family whose unit is bigger. */
  retarget(guest: GuestId, pages: number, config: K): C;
  /** One round of the fair drain for one guest: every side that can act acts once. */
  drainRound(config: K, guest: GuestId): C[];
  /** Rounds after which a drain that still moves is a failure of progress. */
  drainBound(config: K): number;
  /** Did this drain step change anything (so the system is not at rest yet)? */
  moved(result: StepResult): boolean;
}

/**
 * What a family's runs can be held to: the bare specification or a real system's narrowing of it
 * (virtio: `spec`, `linux`, `firecracker`). The profile lives in the configuration, so a trace
 * records it and replay judges by it; the default profile is left unwritten.
 */
export interface FamilyProfiles<K extends WorldConfig = WorldConfig> {
  /** Each profile with one line of meaning. */
  readonly names: Readonly<Record<string, string>>;
  /** The profile of a configuration that names none. */
  readonly default: string;
  /** The profile `config` is held to. */
  of(config: K): string;
  /** `config` held to `profile` (a name of `names`). */
  apply(config: K, profile: string): K;
}

/**
 * How adapters/ checks a user's module of a family (docs/ADAPTERS.md): the shape of an
 * observation and of a step result for a configuration, one line per problem naming the field, and
 * a field of every guest observation that only this family has, so that a module of another
 * family is named as such instead of failing field by field.
 */
export interface FamilyShape<K extends WorldConfig = WorldConfig> {
  /** A field of every guest's observation that no other family's has (virtio `features`, Xen `xen`). */
  readonly guestField: string;
  /** Why `obs` is not an observation of a system built from `config`; empty when it is one. O(guests + lists), never O(memory). */
  observationProblems(obs: unknown, config: K): string[];
  /** Why `r` is not a step result of this family (with `config`: guests, gpfns and frames in range); empty when it is one. */
  stepResultProblems(r: unknown, config?: K): string[];
}

export interface Family<
  C extends AnyCommand = AnyCommand,
  O extends WorldObservation = WorldObservation,
  K extends WorldConfig = WorldConfig,
  R extends StepResult = StepResult,
> {
  /** Stable, lower case: `--family`, traces and reports use it. */
  readonly name: string;
  /** One line for `balloon list`: the protocol and who speaks it. */
  readonly title: string;
  /** The family's page in docs/. */
  readonly doc: string;

  /** The default configuration (`balloon check` without a generated one). */
  defaultConfig(): K;
  /** Why a configuration cannot be built, one message per problem, each naming its field. */
  configProblems(config: K): string[];

  /** The shape of a configuration and of one command, as trace files hold them (traces/format.ts is built from these). */
  readonly schemas: { readonly config: z.ZodType; readonly command: z.ZodType };
  /** The command kinds, in the family's words. */
  readonly commandKinds: readonly string[];
  /** One line of the runnable form of a command, as printed in counterexamples. */
  formatCommand(c: C): string;
  /** The configuration for a counterexample's header: one line for the system, one per guest. */
  describeConfig(config: K): string[];
  /** Malformed requests a hostile or broken peer sends (see `hostileSender`), by kind, each with one line of meaning. */
  readonly hostileKinds: Readonly<Record<string, string>>;
  /**
   * Which side sends the hostile requests, and so which side must refuse them: the guest (a
   * driver's buffers, hypercalls, backdoor commands, judged by the host) or the host (messages
   * the guest's driver must refuse, as Hyper-V's).
   */
  readonly hostileSender: 'guest' | 'host';
  /** Generated cases: configurations and commands (every choice of a run is a command). */
  caseArb(opts?: FamilyWorkloadOptions<K>): fc.Arbitrary<FamilyCase<C, K>>;
  /** After fast-check shrank the commands, make the configuration as plain as the failure allows. */
  simplifyCase(c: FamilyCase<C, K>, stillFails: (c: FamilyCase<C, K>) => boolean): FamilyCase<C, K>;

  /** Its profiles, if its rules can be held to more than one reading (`--profile`). */
  readonly profiles?: FamilyProfiles<K>;

  /** The shape a user's module must answer in (adapters/ checks it on every step). */
  readonly shape: FamilyShape<K>;

  /** The reference implementation. */
  reference(config: K): SystemUnderTest<C, O, K, R>;
  /** The zoo: real bugs that can be switched back on in the reference implementation. */
  readonly faults: readonly FamilyFault[];
  /** The reference implementation with zoo faults switched on (names from `faults`). */
  withFaults(faults: readonly string[]): (config: K) => SystemUnderTest<C, O, K, R>;

  readonly runner: FamilyRunner<C, O, K>;
  /** What the shared invariants ask of the family (properties/property.ts FamilyWorld). */
  readonly world: FamilyWorld;
  /** Every property `balloon check` runs for this family, in the order of the report. */
  readonly properties: readonly AnyProperty[];
  /** The statecharts, by name: what `balloon chart` draws and coverage counts. */
  readonly charts: Readonly<Record<string, AnyStateMachine>>;
  /** The lockstep conformance property (model ↔ implementation), reporting to coverage's hooks. */
  conformanceProperty(hooks?: ConformanceHooks): AnyProperty;
  /**
   * Its catalogue of situations (ordered events on one host page, size limits, error paths),
   * counted on every case of a campaign and printed by `balloon check --reach`
   * (properties/reach/situation.ts). A family without one reports no reach.
   */
  readonly reach?: ReachCatalogue<K>;
  /** What `balloon explore` needs to search this family's implementation breadth-first (properties/exhaustive.ts); absent: the family cannot be explored. */
  readonly explorer?: FamilyExplorer<C, O, K>;
}

/**
 * A family's word to the exhaustive explorer: a tiny configuration, a finite alphabet of commands
 * tried in every state, and a canonical key that tells states apart (equal keys: one state).
 */
export interface FamilyExplorer<C extends AnyCommand, O extends WorldObservation, K extends WorldConfig> {
  /** The default size when `--guests` / `--pages` are not given. */
  readonly defaults: { readonly guests: number; readonly pages: number };
  /** A tiny configuration of `guests` guests of `pages` guest pages each. */
  config(guests: number, pages: number): K;
  /** Every command tried in every state, in a fixed order (BFS order follows it). */
  alphabet(config: K): C[];
  /** The state's canonical key, computed at once (observations may be live views). */
  key(obs: O, config: K): string;
  /**
   * Optional: the 64-bit fingerprint of that key computed without building its text
   * (state-key.ts `canonicalFingerprint` over the same walk); equal keys, equal fingerprints.
   * Without it the explorer fingerprints the key's text.
   */
  fingerprint?(obs: O, config: K): Fingerprint;
  /**
   * Optional: guests of one configuration are interchangeable and host frames are names only
   * (state-key.ts symmetricObservation says what that relies on); `balloon explore --symmetry`
   * then keys a state by its observation put in canonical form. Names the guest fields that hold
   * frame numbers beyond the world's `p2m` and `dmaView`.
   */
  readonly symmetry?: GuestSymmetry;
  /**
   * Named changes to the tiny configuration (`balloon explore --variant`): a feature switched on,
   * host pages of several guest pages, another page size. The alphabet follows the configuration.
   */
  readonly variants?: Readonly<Record<string, ExplorerVariant<K>>>;
  /**
   * For every zoo fault, the small configuration and depth at which the explorer finds it
   * (bench/ZOO.md's explore column), or why no small configuration does.
   */
  readonly faultsAt?: Readonly<Record<string, FaultExploreAt>>;
}

/** A named change to an explorer's tiny configuration. */
export interface ExplorerVariant<K extends WorldConfig = WorldConfig> {
  /** What it changes and why a fault needs it. */
  readonly doc: string;
  apply(config: K): K;
  /** Commands added to the alphabet of the changed configuration (a refusal, a preemption, a busy host), every guest's. */
  extra?(config: K): AnyCommand[];
}

/** Where a zoo fault is found by `balloon explore`, or why it is not. */
export type FaultExploreAt =
  /** `maxStates`: the state bound the search needs, when above bench/zoo.ts's 20,000 (and `balloon explore`'s default). */
  | { readonly guests: number; readonly pages: number; readonly variant?: string; readonly depth: number; readonly maxStates?: number }
  | { readonly notFound: string };

/** Hooks for coverage: every microstep's transitions, and every state the chart settles in. */
export interface ConformanceHooks {
  onTransitions?(chart: string, transitions: readonly AnyTransitionDefinition[]): void;
  /** The state a chart starts in (later states are entered through `onTransitions`). */
  onState?(chart: string, value: StateValue): void;
  /**
   * Once per run, when its charts are created: every copy (chart name, guest) with a reader of its
   * current state. The viewer draws them as the run goes (viewer/generic.ts); nothing per step.
   */
  onCharts?(copies: readonly ChartCopy[]): void;
}

/** One running copy of a family's chart in a conformance monitor. */
export interface ChartCopy {
  readonly chart: string;
  readonly guest: number;
  state(): StateValue;
}

/** A family of any vocabulary, as the shared machinery holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFamily = Family<any, any, any, any>;
