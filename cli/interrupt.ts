/**
 * Ctrl-C and `kill`: `check`, `conform` and `replay` stop cleanly on the first SIGINT or SIGTERM
 * (finish the case in hand, print the summary so far saying it was interrupted, keep every
 * counterexample found) and exit with the shell's convention, 128 + the signal's number: 130 for
 * SIGINT, 143 for SIGTERM. A second signal exits at once with the same status, for a user who
 * does not want to wait. Handlers that others installed (qemu/cleanup.ts kills its VMs) still run.
 */

export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

export interface Interruption {
  /** Aborted on the first signal: pass it to runCampaignAsync, or poll `aborted`. */
  readonly signal: AbortSignal;
  /** The exit status the signal asks for (130, 143), or null while none came. */
  exitCode(): number | null;
  /** Remove the handlers (the command is over). */
  dispose(): void;
}

/**
 * Listen for SIGINT and SIGTERM until `dispose`.
 *
 * @example
 *   const stop = onInterrupt();
 *   try { report = await runCampaignAsync({ ...o, signal: stop.signal }); } finally { stop.dispose(); }
 *   return stop.exitCode() ?? (failed ? 1 : 0);
 */
export function onInterrupt(): Interruption {
  const ac = new AbortController();
  let code: number | null = null;
  const handler = (sig: NodeJS.Signals) => {
    const c = sig === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM;
    if (code !== null) process.exit(code);
    code = c;
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    exitCode: () => code,
    dispose: () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); },
  };
}
