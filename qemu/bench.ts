// Benchmark: checked QEMU cases per minute with one VM reused across cases (boot included).
// Appends one line per configuration to bench/QEMU.md.
// Usage: npx tsx qemu/bench.ts [runs=12] [seed=1] [variants]
//   variants: every variant of qemu/variants.ts in one run, plain first, plus plain without
//   QEMU's device trace (what observing the device costs); the rows name the configuration.
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { formatQemuReport, runQemuCampaign } from './campaign.ts';
import { repoRoot } from './paths.ts';
import { findVariant, qemuVariants, type QemuVariant } from './variants.ts';

const runs = Number(process.argv[2] ?? 12);
const seed = Number(process.argv[3] ?? 1);
const all = process.argv[4] === 'variants';
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || (process.argv[4] !== undefined && !all)) {
  console.error('usage: npx tsx qemu/bench.ts [runs] [seed] [variants]');
  process.exit(2);
}
const plain = findVariant('plain') as QemuVariant;
const configs: Array<{ variant: QemuVariant; hostTrace: boolean }> = all
  ? [{ variant: plain, hostTrace: false }, ...qemuVariants.map((variant) => ({ variant, hostTrace: true }))]
  : [{ variant: plain, hostTrace: true }];
const outDir = mkdtempSync(join(tmpdir(), 'qemu-bench-'));
try {
  for (const { variant, hostTrace } of configs) {
    const r = await runQemuCampaign({ runs, seed, deflateOnOom: variant.deflateOnOom, variant, hostTrace, outDir });
    console.log(formatQemuReport(r));
    const perMin = (r.casesRun / (r.ms / 60_000)).toFixed(1);
    const boot = r.bootMs.length > 0 ? (r.bootMs.reduce((a, b) => a + b, 0) / r.bootMs.length / 1000).toFixed(1) : '-';
    const machine = `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, TCG (no KVM)`;
    const file = join(repoRoot, 'bench', 'QEMU.md');
    if (!existsSync(file)) {
      writeFileSync(file, '# QEMU campaign throughput (qemu/bench.ts)\n\nOne reused 512 MiB guest; boots included; shrink runs included when a property failed.\n\n| date | machine | cases/min | details |\n| --- | --- | --- | --- |\n');
    }
    const checks = r.properties.reduce((a, p) => a + p.checks, 0);
    const config = `variant ${variant.name}${hostTrace ? '' : ', no device trace'}`;
    const line = `| ${new Date().toISOString().slice(0, 10)} | ${machine} | ${perMin} | ${config}: ${r.casesRun} cases in ${(r.ms / 1000).toFixed(1)} s, ${checks} checks, seed ${seed}, ${r.bootMs.length} boot(s) avg ${boot} s, ${r.guestDeaths} guest death(s), ${r.passed ? 'passed' : `failed: ${r.failure?.property}`}; QEMU ${r.qemu.split(' ')[0]}, kernel ${r.kernel} |\n`;
    appendFileSync(file, line);
    console.log(`bench/QEMU.md: ${config}: ${perMin} cases/min`);
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
