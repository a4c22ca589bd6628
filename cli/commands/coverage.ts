/**
 * `balloon coverage`: run the conformance campaign and print, per chart, every state and
 * transition with how often the runs took it, then the ones never taken (dead spec, or a
 * workload that cannot reach them). Exit 1 only when the implementation diverged.
 */
import type { Command } from 'commander';
import { DEFAULT_COVERAGE_RUNS, DEFAULT_COVERAGE_SEED, formatCoverage, runCoverage } from '../../properties/coverage.ts';
import { EXIT_FAILED, EXIT_OK, intFlag } from '../errors.ts';
import { counterexampleText } from '../format.ts';
import { addFamilyOption, familiesFlag } from '../family-flag.ts';

export interface CoverageFlags { runs: string; seed?: string; maxCommands: string; family?: string[] }

export function register(program: Command): void {
  addFamilyOption(program.command('coverage')
    .description('which states and transitions of each statechart a conformance campaign takes'), true)
    .option('--runs <n>', 'random cases to run', String(DEFAULT_COVERAGE_RUNS))
    .option('--seed <n>', `fast-check seed (default: FC_SEED, else ${DEFAULT_COVERAGE_SEED})`)
    .option('--max-commands <n>', 'longest workload per case', '80')
    .action(function (this: Command, flags: CoverageFlags) {
      const runs = intFlag('--runs', flags.runs, 1, 10_000_000);
      const seed = flags.seed !== undefined ? intFlag('--seed', flags.seed, 0, 2 ** 31 - 1)
        : process.env.FC_SEED ? intFlag('FC_SEED', process.env.FC_SEED, 0, 2 ** 31 - 1) : DEFAULT_COVERAGE_SEED;
      const maxCommands = intFlag('--max-commands', flags.maxCommands, 1, 100_000);
      let diverged = false;
      for (const family of familiesFlag(flags.family)) {
        const r = runCoverage({ runs, seed, maxCommands, family: family.name });
        process.stdout.write(`balloon coverage: family ${family.name}, ${runs} runs, seed ${seed}\n\n${formatCoverage(r.charts)}\n`);
        for (const cx of r.campaign.counterexamples) process.stdout.write(`\n${counterexampleText(cx)}\n`);
        diverged ||= r.campaign.counterexamples.length > 0;
      }
      (this as Command & { exitCode?: number }).exitCode = diverged ? EXIT_FAILED : EXIT_OK;
    });
}
