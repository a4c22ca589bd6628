/**
 * The flags that choose what is checked, shared by check, conform and replay: `--impl MODULE`
 * (the reference implementation by default, or a user's adapter: docs/ADAPTERS.md),
 * `--step-timeout [MS]` (run it in a worker with a per-step limit) and, for the reference one,
 * `--fault NAME` (bug-zoo faults).
 */
import { Option, type Command } from 'commander';
import type { SystemFactory } from '../core/virtio/index.ts';
import type { AnyFamily } from '../properties/index.ts';
import { DEFAULT_STEP_TIMEOUT_MS, openImplementation, parseStepTimeout, type CapturedOutput } from '../adapters/index.ts';
import { UsageError } from './errors.ts';

export interface ImplFlags { impl: string; stepTimeout?: string | boolean; fault?: string[] }

export interface ChosenImplementation {
  factory: SystemFactory;
  /** 'reference' or the module path, as traces record it. */
  name: string;
  faults: string[];
  stop(): void;
  /** What the implementation wrote to stdout/stderr (kept out of the report); null in-process. */
  output(): CapturedOutput | null;
}

/** The help of `--step-timeout`, shared by check, conform and replay. */
export const STEP_TIMEOUT_HELP = `per-step time limit for the implementation, which runs in a worker thread (a module: default ${DEFAULT_STEP_TIMEOUT_MS}; 0 runs it in-process, trusting it)`;

/**
 * After a run: a note on stderr when the implementation wrote anything, so its output is seen
 * but never mixed into the report (or into --json on stdout).
 */
export function noteOutput(impl: { output(): CapturedOutput | null }): void {
  const out = impl.output();
  if (!out || out.bytes === 0) return;
  const lines = out.excerpt.split('\n').filter((l) => l.trim() !== '').slice(0, 5).map((l) => `  | ${l.slice(0, 200)}`);
  process.stderr.write(`balloon: note: the implementation wrote ${out.bytes} bytes to stdout/stderr, kept out of the report; it began:\n${lines.join('\n')}\n`);
}

export const repeatable = (v: string, prev: string[]) => [...prev, v];

export function addImplOptions(cmd: Command, withFaults = true): Command {
  cmd.option('--impl <module>', 'the implementation to check: "reference" or a .ts/.js module implementing the family named by --family (docs/ADAPTERS.md)', 'reference')
    .option('--step-timeout [ms]', STEP_TIMEOUT_HELP);
  if (withFaults) cmd.addOption(new Option('--fault <name>', 'switch on a bug-zoo fault in the reference implementation (repeatable; see balloon list)').argParser(repeatable).default([]));
  return cmd;
}

/** The faults named by --fault, checked against the family's zoo. */
export function faultsFlag(names: readonly string[], family: AnyFamily): string[] {
  const known = family.faults.map((f) => f.name);
  for (const n of names) {
    if (!known.includes(n)) throw new UsageError(`--fault: unknown ${family.name} fault ${JSON.stringify(n)} (known: ${known.join(', ')})`);
  }
  return [...names];
}

export async function chooseImplementation(flags: ImplFlags, family: AnyFamily): Promise<ChosenImplementation> {
  const faults = faultsFlag(flags.fault ?? [], family);
  // A bad --step-timeout is refused even where nothing would run in a worker thread.
  parseStepTimeout(flags.stepTimeout);
  // The family's reference implementation runs in-process: it has the shape by construction.
  if (flags.impl === 'reference' && flags.stepTimeout === undefined) {
    const factory = faults.length > 0 ? family.withFaults(faults) : family.reference;
    return { factory, name: 'reference', faults, stop: () => {}, output: () => null };
  }
  if (faults.length > 0 && flags.impl !== 'reference') throw new UsageError('--fault: faults exist only in the reference implementation; drop --impl or --fault');
  if (faults.length > 0) throw new UsageError('--fault cannot be combined with --step-timeout (the reference implementation runs in-process)');
  const impl = await openImplementation(flags.impl, { stepTimeout: flags.stepTimeout, family });
  return { factory: impl.factory, name: impl.name, faults, stop: impl.stop, output: impl.output };
}
