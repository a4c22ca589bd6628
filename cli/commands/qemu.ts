/**
 * `balloon qemu`: the real-system check. A real QEMU virtio-balloon device and Linux guest run
 * generated target sequences and workloads; failures are shrunk and saved as traces.
 */
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { formatQemuReport, runQemuCampaign } from '../../qemu/campaign.ts';
import { VmError } from '../../qemu/errors.ts';
import { findVariant, legacyVariant, qemuVariants } from '../../qemu/variants.ts';
import { EXIT_FAILED, EXIT_OK, intFlag, UsageError } from '../errors.ts';
import { chooseSeed, outDirFlag } from './check.ts';

export function register(program: Command): void {
  program.command('qemu')
    .description('check a real QEMU virtio-balloon device with a Linux guest (needs `npm run qemu:setup`)')
    .option('--runs <n>', 'generated cases, all on one reused VM', '20')
    .option('--seed <n>', 'fast-check seed (default: FC_SEED, else from the clock; always printed)')
    .option('--deflate-on-oom', 'give the device deflate-on-oom=on (the same as --variant deflate-on-oom)')
    .option('--variant <name>', `device and guest configuration: ${qemuVariants.map((v) => v.name).join(', ')} (default plain)`)
    .option('--no-device-trace', 'do not record QEMU\'s trace of the device (faster; the host-trace properties then check nothing)')
    .option('--out <dir>', 'where shrunk failing traces are written', 'traces/failures')
    .action(async function (this: Command, flags: { runs: string; seed?: string; deflateOnOom?: boolean; variant?: string; deviceTrace: boolean; out: string }) {
      const runs = intFlag('--runs', flags.runs, 1, 10_000);
      const named = flags.variant === undefined ? null : findVariant(flags.variant);
      if (flags.variant !== undefined && named === null) throw new UsageError(`--variant: unknown variant '${flags.variant}' (known: ${qemuVariants.map((v) => v.name).join(', ')})`);
      if (named !== null && flags.deflateOnOom && !named.deflateOnOom) throw new UsageError(`--deflate-on-oom contradicts --variant ${named.name}`);
      const variant = named ?? legacyVariant(!!flags.deflateOnOom);
      const seed = chooseSeed(flags.seed);
      // Made last of the checks: a bad flag leaves no folder behind.
      outDirFlag(flags.out);
      process.stdout.write(`balloon qemu: ${runs} runs, seed ${seed}, variant ${variant.name} (${variant.doc})\n`);
      const bar = process.stderr.isTTY ? new SingleBar({ format: '  {bar} {value}/{total} cases', stream: process.stderr, clearOnComplete: true }) : null;
      bar?.start(runs, 0);
      try {
        const report = await runQemuCampaign({
          runs, seed, deflateOnOom: variant.deflateOnOom, variant, hostTrace: flags.deviceTrace, outDir: flags.out,
          onProgress: (done) => bar?.update(Math.min(done, runs)),
        });
        bar?.stop();
        process.stdout.write(`${formatQemuReport(report)}\n`);
        (this as Command & { exitCode?: number }).exitCode = report.passed ? EXIT_OK : EXIT_FAILED;
      } catch (e) {
        bar?.stop();
        if (e instanceof VmError && e.code === 'qemu/guest-missing') throw new UsageError(`qemu: ${e.message}`);
        throw e;
      }
    });
}
