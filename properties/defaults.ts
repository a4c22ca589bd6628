/**
 * The default budget of a campaign, one copy for everyone who runs one: `balloon check`, the zoo
 * traces (traces/write-zoo.ts), the zoo and stub benches and their tests. The zoo results in
 * bench/ZOO.md were measured with exactly these numbers, so a change here is a change to them.
 */

/** Random cases of `balloon check` (about ten seconds on the reference implementation). */
export const DEFAULT_RUNS = 10_000;

/** The longest workload of one case, in commands, before the fair drain. */
export const DEFAULT_MAX_COMMANDS = 80;
