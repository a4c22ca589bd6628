/**
 * The one place a protocol family plugs into the viewer. Everything else in viewer/ reads only
 * the family-neutral observation (core/world.ts: frame owners, each guest's gpfn states
 * and p2m, target, actual, counts); what is particular to a family (its queues or rings, its
 * statechart and how a step becomes the chart's events) sits behind this hook. A new family adds
 * an entry to FAMILY_VIEWS and nothing else changes.
 */
import type { Command, Observation, StepResult, SystemConfig } from '../core/virtio/index.ts';
import type { ChartDrawing } from './chart-tree.ts';
import { virtioView } from './virtio.ts';
import { genericView } from './generic.ts';
import { familyByName } from '../properties/families.ts';
import type { WorldConfig } from '../core/index.ts';

/** One running copy of a chart (virtio: one per guest), drawn with its current states highlighted. */
export interface ChartInstance {
  /** Name of the drawing in `FamilyView.charts`. */
  chart: string;
  /** The guest it belongs to, or -1 for a host-wide chart. */
  guest: number;
  /** Heading in the page (`guest 0: virtio-guest`). */
  label: string;
}

export interface FamilyStep {
  /** Per instance (same order as `instances`): the active leaf states, as dotted paths. */
  active: string[][];
  /** Extra lines for the side panel: [label, text] (virtio: the buffers on each queue). */
  panel: [string, string][];
  /** Fields where the model and the implementation disagree after this step; empty when they agree. */
  diff: string[];
}

export interface FamilyView {
  charts: ChartDrawing[];
  instances: ChartInstance[];
  /** The active states before the first step. */
  initial: string[][];
  /** A command in the family's words. */
  describe(command: Command): string;
  /** The observation before the first step, when the view wants it. */
  start?(obs: Observation): void;
  /** Step the family's model in lockstep with the implementation; called after each `apply`. */
  step(command: Command, result: StepResult, obs: Observation): FamilyStep;
}

/** Builds the view of one run of a configuration. */
export type FamilyHook = (config: SystemConfig) => FamilyView;

/**
 * The hook of a family with a view of its own, by name (looked up, never switched on). Every
 * other family is drawn by viewer/generic.ts from its registered charts and conformance monitor.
 */
export const FAMILY_VIEWS: Record<string, FamilyHook> = {
  virtio: virtioView,
};

/** The view of one run of `config`: the family's own, or the generic one. */
export function familyView(config: SystemConfig | WorldConfig): FamilyView {
  const own = Object.hasOwn(FAMILY_VIEWS, config.family) ? FAMILY_VIEWS[config.family] : undefined;
  return own ? own(config as SystemConfig) : genericView(familyByName(config.family), config);
}
