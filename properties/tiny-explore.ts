/**
 * Breadth-first exploration of a tiny system on a family's reference, for the pinned state counts
 * of each family's tests (properties/<family>/explore.ts): every command of a small alphabet is
 * applied in every distinct state, states told apart by the family's `key` of the observation.
 * Systems cannot be copied, so each edge re-runs its path from a fresh system. (balloon explore,
 * properties/exhaustive.ts, also checks every property on every edge; this only counts.)
 */
export function exploreTiny<C, O>(
  create: () => { apply(c: C): unknown; observe(): O },
  alphabet: readonly C[],
  key: (o: O) => string,
  depth: number,
): { states: number; edges: number } {
  const seen = new Set<string>();
  const edges = new Set<string>();
  let frontier: C[][] = [[]];
  seen.add(key(create().observe()));
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    const next: C[][] = [];
    for (const path of frontier) {
      for (const c of alphabet) {
        const sys = create();
        for (const p of path) sys.apply(p);
        const from = key(sys.observe());
        sys.apply(c);
        const to = key(sys.observe());
        edges.add(`${from}->${to}`);
        if (!seen.has(to)) { seen.add(to); next.push([...path, c]); }
      }
    }
    frontier = next;
  }
  return { states: seen.size, edges: edges.size };
}
