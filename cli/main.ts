#!/usr/bin/env node
/**
 * The `balloon` command line. Each subcommand lives in cli/commands/<name>.ts and exports
 * `register(program)`; this file only wires them and turns user mistakes into one line, exit 2.
 */
import { Command, CommanderError } from 'commander';
import { EXIT_UNUSABLE, UsageError } from './errors.ts';
import { tuneHeap } from './heap.ts';
import * as check from './commands/check.ts';
import * as list from './commands/list.ts';
import * as replay from './commands/replay.ts';
import * as conform from './commands/conform.ts';
import * as coverage from './commands/coverage.ts';
import * as chart from './commands/chart.ts';
import * as qemu from './commands/qemu.ts';
import * as xen from './commands/xen.ts';
import * as view from './commands/view.ts';
import * as explore from './commands/explore.ts';
import * as campaign from './commands/campaign.ts';
import * as merge from './commands/merge.ts';
import * as spec from './commands/spec.ts';
import * as hint from './commands/hint.ts';

export const COMMANDS: { register(program: Command): void }[] = [check, list, replay, conform, coverage, chart, qemu, xen, view, explore, campaign, merge, spec, hint];

/**
 * A reader that stops early (`balloon chart | head`) closes our stdout: exit quietly with 141,
 * as a process killed by SIGPIPE would, instead of an unhandled EPIPE and its stack trace.
 */
let pipeGuarded = false;
function exitQuietlyOnClosedPipe(): void {
  if (pipeGuarded) return;
  pipeGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_CLOSED_PIPE);
    throw e;
  });
}
/** 128 + SIGPIPE (13): what a shell reports for a writer whose reader went away. */
export const EXIT_CLOSED_PIPE = 141;

export async function main(argv: string[]): Promise<number> {
  exitQuietlyOnClosedPipe();
  tuneHeap();
  const program = new Command('balloon')
    .description('Property-based testbed for memory-ballooning protocols')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Commander's own errors ("error: unknown option …") get the prefix ours have, and an
      // unknown option is told what the command does take.
      outputError: (s, write) => write(withValidOptions(program, argv, s.replace(/^error: /, 'balloon: '))),
    });
  for (const c of COMMANDS) c.register(program);
  let code = 0;
  program.hook('postAction', (_p, action) => { code = (action as Command & { exitCode?: number }).exitCode ?? code; });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? code : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed its one line; help and version are not errors.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      // Under --json, stdout still parses, as for the usage errors below.
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, exitCode: EXIT_UNUSABLE, error: e.message.replace(/^error: /, '') }, null, 2)}\n`);
      return EXIT_UNUSABLE;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`balloon: ${e.message}\n`);
      // Under --json, stdout still parses: a script reading it learns why nothing ran.
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ ok: false, exitCode: e.exitCode, error: e.message }, null, 2)}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

/** `balloon: unknown option '--x'` becomes `… (valid for check: --runs, --seed, …)`. */
function withValidOptions(program: Command, argv: string[], msg: string): string {
  if (!msg.startsWith('balloon: unknown option')) return msg;
  const sub = program.commands.find((c) => c.name() === argv[0]);
  const cmd = sub ?? program;
  const valid = [...cmd.options.map((o) => o.long ?? o.short), '--help'].filter(Boolean).join(', ');
  return msg.replace(/\n$/, '').replace(/\n/g, ' ') + ` (valid for ${sub ? sub.name() : 'balloon'}: ${valid})\n`;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) main(process.argv.slice(2)).then((c) => { process.exitCode = c; });
