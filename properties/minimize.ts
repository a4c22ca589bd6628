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
 * Cost: at most n + n(n-1)/2 runs per success; lists longer than `maxPairs` commands skip the
 * pairs (fast-check's own shrink already handles long lists; the quadratic pass is for the short
 * lists a person reads).
 */

/** Default longest list on which pairs are tried (465 pairs at 31 commands). */
export const MAX_PAIRS_LENGTH = 30;

/**
 * The shortest sublist found by deleting one or two commands at a time while `stillFails` holds.
 *
 *   minimizeCommands([a, b, c, d], (cs) => cs.includes(b) && cs.includes(d)); // [b, d]
 */
export function minimizeCommands<C>(commands: readonly C[], stillFails: (cs: C[]) => boolean, maxPairs = MAX_PAIRS_LENGTH): C[] {
  let best = [...commands];
  for (;;) {
    const next = deleteOne(best, stillFails) ?? (best.length <= maxPairs ? deleteTwo(best, stillFails) : null);
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
