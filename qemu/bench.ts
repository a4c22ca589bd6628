// Benchmark: checked QEMU cases per minute with one VM reused across cases (boot included).
// Appends one line to bench/QEMU.md. Usage: npx tsx qemu/bench.ts [runs=12] [seed=1]
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { formatQemuReport, runQemuCampaign } from './campaign.ts';
import { repoRoot } from './paths.ts';

const runs = Number(process.argv[2] ?? 12);
const seed = Number(process.argv[3] ?? 1);
const outDir = mkdtempSync(join(tmpdir(), 'qemu-bench-'));
try {
  const r = await runQemuCampaign({ runs, seed, deflateOnOom: false, outDir });
  console.log(formatQemuReport(r));
  const perMin = (r.casesRun / (r.ms / 60_000)).toFixed(1);
  const boot = r.bootMs.length > 0 ? (r.bootMs.reduce((a, b) => a + b, 0) / r.bootMs.length / 1000).toFixed(1) : '-';
  const machine = `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, TCG (no KVM)`;
  const file = join(repoRoot, 'bench', 'QEMU.md');
  if (!existsSync(file)) {
    writeFileSync(file, '# QEMU campaign throughput (qemu/bench.ts)\n\nOne reused 512 MiB guest; boots included; shrink runs included when a property failed.\n\n| date | machine | cases/min | details |\n| --- | --- | --- | --- |\n');
  }
  const line = `| ${new Date().toISOString().slice(0, 10)} | ${machine} | ${perMin} | ${r.casesRun} cases in ${(r.ms / 1000).toFixed(1)} s, seed ${seed}, ${r.bootMs.length} boot(s) avg ${boot} s, ${r.guestDeaths} guest death(s), ${r.passed ? 'passed' : `failed: ${r.failure?.property}`}; QEMU ${r.qemu.split(' ')[0]}, kernel ${r.kernel} |\n`;
  appendFileSync(file, line);
  console.log(`bench/QEMU.md: ${perMin} cases/min`);
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
