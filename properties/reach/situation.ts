/**
 * Situation coverage (issue 22): a family's catalogue of situations that bugs need (ordered events
 * on one host page, each size limit, each error path), counted on every case of a campaign, so a
 * green run can say where its workload went and which properties had nothing to check.
 *
 * A catalogue is data plus one small counter per case: the runner hands the counter every step
 * (workload and fair drain alike), the counter marks the situations the step reached in a byte
 * array, and the campaign adds the marks up per case (recorder.ts). The counter reads only the
 * step's command and effects and the summary the runner already took, never the whole
 * observation, so its cost per step follows the step's effects, not memory.
 */
import type { StepContext } from '../property.ts';
import type { WorldConfig } from '../../core/index.ts';

export interface Situation {
  /** Stable, kebab-case (chains: `inflate>write>deflate`). */
  readonly name: string;
  /** One line: what happened, and the source that says a bug lives there. */
  readonly doc: string;
  /** Where the report groups it: `pair`, `triple`, `limit`, `error`, `work`. */
  readonly group: string;
  /**
   * Why the family's workload can never reach it, when it cannot (a chain the protocol forbids, a
   * refusal only a malformed trace can cause). Tests hold such a situation at 0; every other one
   * must be reached at the pinned seed and budget.
   */
  readonly unreachable?: string;
}

/** One case's counter: `step` marks `hit[i] = 1` for each situation i the step reached. */
export interface ReachCounter {
  step(ctx: StepContext): void;
}

export interface ReachCatalogue<K extends WorldConfig = WorldConfig> {
  readonly situations: readonly Situation[];
  /** A fresh counter for one case of `config`, marking into `hit` (one byte per situation, in catalogue order). */
  counter(config: K, hit: Uint8Array): ReachCounter;
  /**
   * Per property of the family, the situations of which any gives it something to check: a case
   * that reached none of them is a case the property passed without looking (a vacuous case).
   * Every property of the family is named here (test/properties/reach.test.ts).
   */
  readonly work: Readonly<Record<string, readonly string[]>>;
}

/** The index of each situation by name; a RangeError for a name the catalogue lacks. */
export function situationIndex(situations: readonly Situation[]): (name: string) => number {
  const at = new Map(situations.map((s, i) => [s.name, i]));
  return (name) => {
    const i = at.get(name);
    if (i === undefined) throw new RangeError(`reach: no situation ${JSON.stringify(name)} in the catalogue`);
    return i;
  };
}
