/**
 * `balloon xen`: the real-Xen check. A real Xen hypervisor with a Linux dom0 (and, with --domu, a
 * PV domU) runs generated target changes and dom0 workloads under QEMU; each run is projected onto
 * the Xen statechart and checked; failures are shrunk and saved as traces (`balloon replay`).
 */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { repoRoot } from '../../qemu/paths.ts';
import { formatXenReport, runXenCampaign } from '../../qemu/xen/campaign.ts';
import { VmError } from '../../qemu/errors.ts';
import { EXIT_FAILED, EXIT_OK, intFlag, UsageError } from '../errors.ts';
import { chooseSeed, outDirFlag } from './check.ts';

export function register(program: Command): void {
  program.command('xen')
    .description('check a real Xen hypervisor and Linux balloon driver under QEMU against the Xen model (needs `balloon xen --setup` once)')
    .option('--setup', 'build the Xen system from Debian packages into .xen-guest/ (cached; nothing installed but QEMU) and exit')
    .option('--runs <n>', 'generated cases, all on one reused machine', '10')
    .option('--seed <n>', 'fast-check seed (default: FC_SEED, else from the clock; always printed)')
    .option('--domu', 'also run a PV domU (Debian cloud kernel) and change its target')
    .option('--out <dir>', 'where shrunk failing traces are written', 'traces/failures')
    .action(async function (this: Command, flags: { setup?: boolean; runs: string; seed?: string; domu?: boolean; out: string }) {
      const cmd = this as Command & { exitCode?: number };
      if (flags.setup) {
        const script = join(repoRoot, 'qemu', 'xen', 'setup.sh');
        if (!existsSync(script)) throw new UsageError(`xen --setup: ${script} is not here: the set-up ships with the repository, run it from a clone (npm run xen:setup)`);
        const r = spawnSync('bash', [script], { stdio: 'inherit' });
        cmd.exitCode = r.status === 0 ? EXIT_OK : EXIT_FAILED;
        return;
      }
      const runs = intFlag('--runs', flags.runs, 1, 10_000);
      const seed = chooseSeed(flags.seed);
      // Made last of the checks: a bad flag leaves no folder behind.
      outDirFlag(flags.out);
      process.stdout.write(`balloon xen: ${runs} runs, seed ${seed}, ${flags.domu ? 'dom0 and a PV domU' : 'dom0 only'}\n`);
      const bar = process.stderr.isTTY ? new SingleBar({ format: '  {bar} {value}/{total} cases', stream: process.stderr, clearOnComplete: true }) : null;
      bar?.start(runs, 0);
      try {
        const report = await runXenCampaign({ runs, seed, domu: !!flags.domu, outDir: flags.out, onProgress: (done) => bar?.update(Math.min(done, runs)) });
        bar?.stop();
        process.stdout.write(`${formatXenReport(report)}\n`);
        cmd.exitCode = report.passed ? EXIT_OK : EXIT_FAILED;
      } catch (e) {
        bar?.stop();
        if (e instanceof VmError && e.code === 'qemu/guest-missing') throw new UsageError(`xen: ${e.message}`);
        throw e;
      }
    });
}
