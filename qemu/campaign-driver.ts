// The campaign loop shared by the real-system campaigns (QEMU + Linux, qemu/campaign.ts; Xen,
// qemu/xen/campaign.ts): fast-check generates cases, one reused machine runs them, the named
// properties judge each record. A failure is shrunk within a wall-clock budget (every shrink step
// is a real run; past the budget the predicate passes without running, which ends shrinking where
// it is). A harness error is not a counterexample: it stops the runs and is rethrown after.
import fc from 'fast-check';

export interface PropertyTally {
  readonly name: string;
  /** Individual checks made (0: nothing in these cases exercised it). */
  checks: number;
  /** Cases in which it was violated (shrink runs included). */
  failedCases: number;
}

/** What a property found in one record: how many checks, and what it saw violated. */
export interface Judged<V> {
  readonly checked: number;
  readonly violations: readonly V[];
}

/** What a campaign's record carries for the driver: whether the guest survived, and its console. */
export interface DrivenRecord {
  readonly guest: string;
  readonly consoleTail: string;
  /** Console lines naming a panic, an OOM kill or "Out of puff". */
  readonly consoleHighlights: string[];
}

/** The shrunk counterexample of a campaign, saved as a trace. */
export interface CampaignFailure<S, V> {
  readonly property: string;
  readonly violations: V[];
  readonly steps: S;
  readonly seed: number;
  readonly path: string;
  readonly numShrinks: number;
  readonly tracePath: string;
  readonly consoleTail: string;
  /** Console lines naming a panic, an OOM kill or "Out of puff". */
  readonly highlights: string[];
}

export interface DriverOptions<C extends { readonly steps: readonly unknown[] }, R extends DrivenRecord, V extends { readonly property: string }> {
  /** `qemu` or `xen`: names the campaign in its error messages. */
  readonly name: string;
  readonly seed: number;
  readonly runs: number;
  readonly shrinkBudgetMs: number;
  readonly arbitrary: fc.Arbitrary<C>;
  /** The properties' names, in report order. */
  readonly properties: readonly string[];
  /** Runs one case on a machine in its reset state; a throw is a harness error. */
  readonly run: (c: C) => Promise<R>;
  /** Judges one record by every property. */
  readonly check: (r: R) => Map<string, Judged<V>>;
  /** The reused machine: discarded after a case whose guest did not survive (rebooted before the
   * next), closed after the runs or on a failure (qemu/session.ts). */
  readonly session: { discard(): Promise<void>; close(): Promise<void> };
  /** Sees every record as it is made (counts of its own: device pops, steps, unsafe targets). */
  readonly onRecord?: (r: R) => void;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** Saves the shrunk counterexample as a trace (the first violation's property names it); returns its path. */
  readonly save: (f: { readonly c: C; readonly record: R; readonly violations: V[]; readonly property: string; readonly path: string }) => string;
}

export interface DriverResult<C extends { readonly steps: readonly unknown[] }, V> {
  readonly casesRun: number;
  readonly guestDeaths: number;
  readonly tallies: PropertyTally[];
  /** The shrunk counterexample, saved, or null when every case passed. */
  readonly failure: CampaignFailure<C['steps'], V> | null;
}

/**
 * Runs `runs` cases and shrinks the first failure.
 * @example const r = await driveCampaign({ name: 'qemu', seed: 1, runs: 6, shrinkBudgetMs: 90_000, arbitrary, properties, run, check, session, save });
 */
export async function driveCampaign<C extends { readonly steps: readonly unknown[] }, R extends DrivenRecord, V extends { readonly property: string }>(
  o: DriverOptions<C, R, V>,
): Promise<DriverResult<C, V>> {
  const tallies: PropertyTally[] = o.properties.map((name) => ({ name, checks: 0, failedCases: 0 }));
  const seen = new Map<string, { record: R; violations: V[] }>();
  const keyOf = (c: C): string => JSON.stringify(c.steps);
  let casesRun = 0;
  let guestDeaths = 0;
  let firstFailureAt: number | null = null;
  let harnessError: Error | null = null;

  const predicate = fc.asyncProperty(o.arbitrary, async (c) => {
    // Past the shrink budget, stop spending machine time: a skipped run ends shrinking where it is.
    if (firstFailureAt !== null && Date.now() - firstFailureAt > o.shrinkBudgetMs) return true;
    // A broken harness is not a counterexample: remember it, stop running, rethrow after check.
    if (harnessError !== null) return true;
    let record: R;
    try {
      record = await o.run(c);
    } catch (e) {
      harnessError = e instanceof Error ? e : new Error(String(e));
      return true;
    }
    casesRun++;
    o.onRecord?.(record);
    if (record.guest !== 'alive') { guestDeaths++; await o.session.discard(); }
    const violations: V[] = [];
    for (const [name, j] of o.check(record)) {
      const t = tallies.find((x) => x.name === name) as PropertyTally;
      t.checks += j.checked;
      if (j.violations.length > 0) t.failedCases++;
      violations.push(...j.violations);
    }
    seen.set(keyOf(c), { record, violations });
    if (firstFailureAt === null) o.onProgress?.(Math.min(casesRun, o.runs), o.runs);
    if (violations.length > 0 && firstFailureAt === null) firstFailureAt = Date.now();
    return violations.length === 0;
  });

  let result: fc.RunDetails<[C]>;
  try {
    result = await fc.check(predicate, { seed: o.seed, numRuns: o.runs, endOnFailure: false });
  } finally {
    await o.session.close();
  }
  if (harnessError !== null) throw harnessError;
  if (!result.failed) return { casesRun, guestDeaths, tallies, failure: null };
  if (result.counterexample === null) throw new Error(`${o.name} campaign: ${String(result.errorInstance)}`);
  const c = result.counterexample[0];
  const hit = seen.get(keyOf(c));
  // The predicate threw (harness error) rather than returning false.
  if (hit === undefined) throw new Error(`${o.name} campaign: harness error at seed ${o.seed} path ${result.counterexamplePath}: ${String(result.errorInstance)}`);
  const path = result.counterexamplePath ?? '';
  const { record, violations } = hit;
  const property = (violations[0] as V).property;
  const tracePath = o.save({ c, record, violations, property, path });
  return {
    casesRun, guestDeaths, tallies,
    failure: {
      property, violations, steps: c.steps, seed: o.seed, path, numShrinks: result.numShrinks,
      tracePath, consoleTail: record.consoleTail, highlights: record.consoleHighlights,
    },
  };
}
