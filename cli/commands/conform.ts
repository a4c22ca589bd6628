/**
 * `balloon conform`: the random campaign with only the lockstep conformance property: every step
 * of the reference implementation must be a step the virtio-balloon statechart allows. A
 * divergence prints its shrunk counterexample and exits 1.
 */
import type { Command } from 'commander';
import { createReferenceSystem } from '../../impl/index.ts';
import { runCampaign } from '../../properties/campaign.ts';
import { conformance } from '../../properties/conformance.ts';
import { EXIT_FAILED, EXIT_OK, intFlag } from '../errors.ts';
import { counterexampleText, summaryTable } from '../format.ts';
import { chooseSeed } from './check.ts';

export interface ConformFlags { runs: string; seed?: string; maxCommands: string }

export function register(program: Command): void {
  program.command('conform')
    .description('check the reference implementation against the virtio-balloon statechart, in lockstep')
    .option('--runs <n>', 'random cases to run', '1000')
    .option('--seed <n>', 'fast-check seed (default: FC_SEED, else from the clock; always printed)')
    .option('--max-commands <n>', 'longest workload per case', '80')
    .action(function (this: Command, flags: ConformFlags) {
      const runs = intFlag('--runs', flags.runs, 1, 10_000_000);
      const seed = chooseSeed(flags.seed);
      const maxCommands = intFlag('--max-commands', flags.maxCommands, 1, 100_000);
      process.stdout.write(`balloon conform: ${runs} runs, seed ${seed}\n`);
      const report = runCampaign({ factory: createReferenceSystem, properties: [conformance], runs, seed, maxCommands });
      process.stdout.write(`${summaryTable(report)}\n`);
      for (const cx of report.counterexamples) process.stdout.write(`\n${counterexampleText(cx)}\n`);
      const ok = report.counterexamples.length === 0;
      process.stdout.write(`\n${ok ? 'the implementation conforms to the chart' : 'the implementation DIVERGED from the chart'} in ${(report.ms / 1000).toFixed(1)}s (seed ${seed})\n`);
      (this as Command & { exitCode?: number }).exitCode = ok ? EXIT_OK : EXIT_FAILED;
    });
}
