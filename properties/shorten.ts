/**
 * A breadth-first search around a shrunk counterexample (issue 21, part 5). Deleting commands
 * (properties/minimize.ts) cannot turn a 10-command failure into the 3-command one that needs
 * other commands: fast-check's shrink and the deletions both stay inside the case they started
 * from. This search starts again from the initial state of the same configuration and tries every
 * sequence shorter than the case over a small alphabet (the case's own distinct commands, then
 * the family's explorer alphabet for that configuration), states told apart by a key, and returns
 * the first sequence that still fails alike: a shortest one over that alphabet, within the budget.
 *
 * Generic: the caller gives the alphabet, the key of the state a command list leads to, and the
 * judge. Deterministic: BFS order is the alphabet's order. Bounded by `maxStates` distinct states
 * (each new state costs one full check of its case); null when nothing shorter was found.
 */

export interface ShortenOptions<C> {
  /** Commands tried in every state, in order (duplicates are dropped, first kept). */
  alphabet: readonly C[];
  /** The key of the state `commands` leads to (equal keys: one state). */
  keyAfter(commands: C[]): string;
  /** Whether `commands` still fails the way the counterexample does. */
  stillFails(commands: C[]): boolean;
  /** Stop once this many distinct states are known. */
  maxStates: number;
  /**
   * Judge every edge, also one that leads to a state already known (a failure seen on the way,
   * not in the state): slower (a check per edge, not per state), needed for `complete` to mean
   * that nothing shorter fails.
   */
  judgeEveryEdge?: boolean;
  /** How two commands are told apart for de-duplication of the alphabet. */
  commandKey?(c: C): string;
}

/**
 * The shortest failing list over `alphabet` shorter than `commands`, or null.
 *
 *   shortenByBfs(tenCommands, { alphabet, keyAfter, stillFails, maxStates: 1000 }); // 3 commands
 */
export function shortenByBfs<C>(commands: readonly C[], o: ShortenOptions<C>): C[] | null {
  return searchShorter(commands, o).shorter;
}

/**
 * shortenByBfs, and whether the search was complete: `complete` is true when every sequence
 * shorter than `commands` over the alphabet was judged (up to states merged by their key) with
 * none failing alike, so `commands` is a shortest failing case over that alphabet; false when the
 * state budget ended the search first (bench/zoo.ts says which shrunk cases are proven shortest).
 * Only with `judgeEveryEdge` does "complete" cover failures seen on an edge into a known state.
 */
export function searchShorter<C>(commands: readonly C[], o: ShortenOptions<C>): { shorter: C[] | null; complete: boolean } {
  if (commands.length === 0) return { shorter: null, complete: true };
  if (o.stillFails([])) return { shorter: [], complete: true };
  const ck = o.commandKey ?? ((c: C) => JSON.stringify(c));
  const seenCommand = new Set<string>();
  const alphabet = o.alphabet.filter((c) => { const k = ck(c); return !seenCommand.has(k) && seenCommand.add(k); });
  const seen = new Set<string>([o.keyAfter([])]);
  let frontier: C[][] = [[]];
  for (let d = 1; d < commands.length && frontier.length > 0; d++) {
    const next: C[][] = [];
    for (const path of frontier) {
      for (const c of alphabet) {
        const cs = [...path, c];
        if (o.judgeEveryEdge && o.stillFails(cs)) return { shorter: cs, complete: true };
        const k = o.keyAfter(cs);
        if (seen.has(k)) continue;
        seen.add(k);
        if (!o.judgeEveryEdge && o.stillFails(cs)) return { shorter: cs, complete: true };
        if (seen.size >= o.maxStates) return { shorter: null, complete: false };
        next.push(cs);
      }
    }
    frontier = next;
  }
  return { shorter: null, complete: true };
}
