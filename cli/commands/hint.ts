/**
 * `balloon hint`: the free page hinting testbed (VIRTIO 1.2 5.5.6.5; properties/virtio/hinting/)
 * from the command line. Runs seeded workloads on the reference driver and device, with one
 * seeded fault if asked, every hinting property checked after every step; a failure prints the
 * property, the reason and the shrunk program, one command a line. Exit 0 when every property
 * held, 1 on a violation, 2 on bad input.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { HINT_PROFILES, hintConfig, type HintProfile } from '../../core/virtio/hinting.ts';
import { HINT_FAULTS, hintFaultNames, type HintFaultName } from '../../impl/virtio/hinting.ts';
import { checkHinting, HINT_PROPERTIES } from '../../properties/virtio/hinting/run.ts';
import { EXIT_FAILED, EXIT_OK, UsageError, intFlag } from '../errors.ts';

interface HintFlags { seed: string; runs: string; pages: string; profile: string; fault?: string; json?: boolean }

export function register(program: Command): void {
  program.command('hint')
    .description('free page hinting (VIRTIO 5.5.6.5): seeded workloads on the reference driver and device, every hinting property checked on every step')
    .option('--seed <n>', 'fast-check seed', '1')
    .option('--runs <n>', 'workloads to run', '200')
    .option('--pages <n>', 'guest pages', '8')
    .option('--profile <name>', `what the driver is held to (${Object.keys(HINT_PROFILES).join(', ')})`, 'linux')
    .option('--fault <name>', `turn on one seeded fault (${hintFaultNames.join(', ')})`, (v: string, prev?: string) => {
      // Given twice, the last would silently win: refused instead.
      if (prev !== undefined) throw new InvalidArgumentError(`takes one fault; ${JSON.stringify(prev)} and ${JSON.stringify(v)} were given`);
      return v;
    })
    .option('--json', 'print the result as JSON')
    .action(function (this: Command, flags: HintFlags) {
      (this as Command & { exitCode?: number }).exitCode = hintCommand(flags);
    });
}

function hintCommand(flags: HintFlags): number {
  const seed = intFlag('--seed', flags.seed, 0, 2 ** 31 - 1);
  const runs = intFlag('--runs', flags.runs, 1, 1_000_000);
  const pages = intFlag('--pages', flags.pages, 1, 4096);
  if (!Object.hasOwn(HINT_PROFILES, flags.profile)) throw new UsageError(`--profile: unknown profile ${JSON.stringify(flags.profile)} (known: ${Object.keys(HINT_PROFILES).join(', ')})`);
  if (flags.fault !== undefined && !Object.hasOwn(HINT_FAULTS, flags.fault)) throw new UsageError(`--fault: unknown fault ${JSON.stringify(flags.fault)} (known: ${hintFaultNames.join(', ')})`);
  const fault = flags.fault as HintFaultName | undefined;
  const r = checkHinting({ seed, runs, config: hintConfig({ pages, profile: flags.profile as HintProfile }), faults: fault ? { [fault]: true } : {} });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ok: r.failure === null, seed, runs: r.numRuns, pages, profile: flags.profile, fault: fault ?? null, properties: HINT_PROPERTIES.map((p) => p.name), failure: r.failure }, null, 2)}\n`);
    return r.failure ? EXIT_FAILED : EXIT_OK;
  }
  const what = `free page hinting, ${pages} pages, profile ${flags.profile}${fault ? `, fault ${fault}` : ''}, seed ${seed}`;
  if (!r.failure) {
    process.stdout.write(`${what}: ${r.numRuns} runs, every property held (${HINT_PROPERTIES.map((p) => p.name).join(', ')})\n`);
    return EXIT_OK;
  }
  process.stdout.write(`${what}: ${r.failure.property} failed at run ${r.numRuns}\n  ${r.failure.message}\nprogram (shrunk, ${r.failure.program.length} commands):\n${r.failure.program.map((l) => `  ${l}`).join('\n')}\n`);
  return EXIT_FAILED;
}
