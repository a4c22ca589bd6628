/**
 * Breadth-first exploration of a hinting system (stateright style): from the initial state, every
 * command of a small alphabet, level by level, each new path checked by every hinting property on
 * a fresh replay. States are told apart by the implementation's whole state (JSON of the system
 * object, so its private fields count) and the chart's context: two paths that reach the same
 * pair are explored once. The count of distinct states at a depth is pinned by the tests, so a
 * change to the protocol shows up as a changed number. Bounded by depth: never claimed exhaustive.
 */
import { createActor } from 'xstate';
import { formatHintCommand, hintConfig, type HintCommand, type HintConfig, type HintSystem } from '../../../core/virtio/hinting.ts';
import { ReferenceHintSystem, type HintFaults } from '../../../impl/virtio/hinting.ts';
import { hintMachine, hintStepEvents } from '../../../model/virtio/hinting-machine.ts';
import { runHintCase, type HintFailure } from './run.ts';

/** One command of each kind, with the smallest arguments. */
export const HINT_ALPHABET: readonly HintCommand[] = [
  { kind: 'hint-request' }, { kind: 'hint-stop' }, { kind: 'hint-done' }, { kind: 'hint-driver', pages: 1, pick: 0 },
  { kind: 'hint-device' }, { kind: 'hint-release', pages: 1, pick: 0 }, { kind: 'alloc', pick: 0 }, { kind: 'free', pick: 0 },
  { kind: 'write', pick: 0 }, { kind: 'read', pick: 0 },
];

export interface HintExploration {
  /** Distinct states known at each depth, cumulative (depth 0: the initial state). */
  states: number[];
  /** The first failing path found, the shortest there is within the depth. */
  failure: (HintFailure & { depth: number }) | null;
}

function key(commands: readonly HintCommand[], config: HintConfig, make: (c: HintConfig) => HintSystem): string {
  const sys = make(config);
  const chart = createActor(hintMachine, { input: config }).start();
  for (const c of commands) for (const e of hintStepEvents(c, sys.apply(c))) chart.send(e);
  return JSON.stringify([sys, chart.getSnapshot().context]);
}

/** Explore to `depth` with `faults` on, stopping at the first violation. */
export function exploreHinting(depth: number, faults: HintFaults = {}, config: HintConfig = hintConfig({ pages: 3 })): HintExploration {
  const make = (c: HintConfig) => new ReferenceHintSystem(c, faults);
  const seen = new Set<string>([key([], config, make)]);
  const states = [1];
  let frontier: HintCommand[][] = [[]];
  for (let d = 1; d <= depth; d++) {
    const next: HintCommand[][] = [];
    for (const path of frontier) {
      for (const c of HINT_ALPHABET) {
        const p = [...path, c];
        const failure = runHintCase(p, config, make);
        if (failure) return { states, failure: { ...failure, depth: d } };
        const k = key(p, config, make);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(p);
      }
    }
    states.push(seen.size);
    frontier = next;
    if (next.length === 0) break;
  }
  return { states, failure: null };
}

/** A path as the runnable lines of its commands. */
export const formatPath = (p: readonly HintCommand[]): string[] => p.map(formatHintCommand);
