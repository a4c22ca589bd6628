/**
 * After fast-check has shrunk a failing case, a last pass over its commands (issue 21, part 5):
 * fast-check shrinks `fc.commands`-style lists by dropping runs of commands and shrinking each
 * one, but it stops at a local minimum, and the minimum it reaches can be longer than the
 * shortest failing case that breadth-first exploration finds (bench/ZOO.md, shrink-optimality).
 * This pass deletes every single command, then every pair of commands (adjacent or not), keeping
 * a deletion whenever the case still fails the same way, and starts over after each success until
 * no deletion of one or two commands keeps it failing: the result is 1- and 2-minimal.
 *
 * Generic: it knows nothing of a family; `stillFails` judges a candidate (the campaign runs it with
 * the same properties and asks for the same property first). Deterministic: the order of the
 * attempts is fixed (from the end of the list backwards, as later commands depend on earlier ones
 * more often than the reverse), so the same case always minimises to the same commands. Deleting
 * a command keeps a case well formed in every family: picks are relative to the moment's state and
 * hostile buffers are filled in at the step, so no command refers to another by position.
 *
 * With `merge`, a third kind of step: two commands of one kind folded into one (two allocations
 * of the same guest into one allocation of both sizes, at the place of the later one, the earlier
 * deleted), so a run of small allocations that fills memory step by step becomes one allocation
 * and the commands between that only set it up can then be deleted one by one (issue 21 part 5:
 * the shrunk case was 12 commands where 5 fail alike). Tried after the deletions, pairs from the
 * end, the first success kept, then the deletions again.
 *
 * With `grow`, a fourth: a command deleted while another grows in its place (an allocation made
 * larger, smallest growth first), for a command whose only part in the failure was to use up
 * memory that one bigger allocation uses up as well.
 *
 * Cost: at most n + n(n-1)/2 runs per success; lists longer than `maxPairs` commands skip the
 * pairs (fast-check's own shrink already handles long lists; the quadratic pass is for the short
 * lists a person reads).
 */

/** Default longest list on which pairs are tried (465 pairs at 31 commands). */
export const MAX_PAIRS_LENGTH = 30;

/** Longest list on which a deletion with a growth is tried (n × growable commands × growths runs a sweep). */
export const MAX_GROW_LENGTH = 12;

/**
 * The shortest sublist found by deleting one or two commands at a time while `stillFails` holds.
 *
 *   minimizeCommands([a, b, c, d], (cs) => cs.includes(b) && cs.includes(d)); // [b, d]
 */
export function minimizeCommands<C>(commands: readonly C[], stillFails: (cs: C[]) => boolean, maxPairs = MAX_PAIRS_LENGTH, merge?: (earlier: C, later: C) => C | null, grow?: (c: C) => C[]): C[] {
  let best = [...commands];
  for (;;) {
    const next = deleteOne(best, stillFails) ?? (best.length <= maxPairs
      ? deleteTwo(best, stillFails) ?? (merge ? mergeTwo(best, stillFails, merge) : null) ?? (grow && best.length <= MAX_GROW_LENGTH ? deleteGrowing(best, stillFails, grow) : null)
      : null);
    if (!next) return best;
    best = next;
  }
}

/** One sweep from the end: every command whose deletion keeps the case failing is deleted. */
function deleteOne<C>(cs: C[], stillFails: (cs: C[]) => boolean): C[] | null {
  let cur = cs;
  for (let i = cur.length - 1; i >= 0; i--) {
    const candidate = [...cur.slice(0, i), ...cur.slice(i + 1)];
    if (stillFails(candidate)) cur = candidate;
  }
  return cur === cs ? null : cur;
}

function deleteTwo<C>(cs: C[], stillFails: (cs: C[]) => boolean): C[] | null {
  for (let j = cs.length - 1; j >= 1; j--) {
    for (let i = j - 1; i >= 0; i--) {
      const candidate = cs.filter((_, k) => k !== i && k !== j);
      if (stillFails(candidate)) return candidate;
    }
  }
  return null;
}

/** The first pair (from the end) whose merge, at the later one's place, keeps the case failing. */
function mergeTwo<C>(cs: C[], stillFails: (cs: C[]) => boolean, merge: (earlier: C, later: C) => C | null): C[] | null {
  for (let j = cs.length - 1; j >= 1; j--) {
    for (let i = j - 1; i >= 0; i--) {
      const m = merge(cs[i], cs[j]);
      if (m === null) continue;
      const candidate = cs.flatMap((c, k) => (k === i ? [] : k === j ? [m] : [c]));
      if (stillFails(candidate)) return candidate;
    }
  }
  return null;
}

/** The first command (from the end) that can go when another command grows instead (see minimizeCommands). */
function deleteGrowing<C>(cs: C[], stillFails: (cs: C[]) => boolean, grow: (c: C) => C[]): C[] | null {
  for (let i = cs.length - 1; i >= 0; i--) {
    for (let j = cs.length - 1; j >= 0; j--) {
      if (j === i) continue;
      for (const g of grow(cs[j])) {
        const candidate = cs.flatMap((c, k) => (k === i ? [] : k === j ? [g] : [c]));
        if (stillFails(candidate)) return candidate;
      }
    }
  }
  return null;
}
