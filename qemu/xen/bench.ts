// Benchmark: the real-Xen campaign beside the virtio QEMU campaign, measured in the same run on
// the same machine: boot time, checked cases per minute, steps per minute (boots included).
// Appends two rows to bench/XEN.md. Usage: npx tsx qemu/xen/bench.ts [runs=6] [seed=1]
import fc from 'fast-check';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { qemuCaseArbitrary } from '../arbitrary.ts';
import { runQemuCampaign } from '../campaign.ts';
import { repoRoot } from '../paths.ts';
import { formatXenReport, runXenCampaign } from './campaign.ts';

const runs = Number(process.argv[2] ?? 6);
const seed = Number(process.argv[3] ?? 1);
const outDir = mkdtempSync(join(tmpdir(), 'xen-bench-'));
const avg = (xs: readonly number[]): string => (xs.length > 0 ? (xs.reduce((a, b) => a + b, 0) / xs.length / 1000).toFixed(1) : '-');
const perMin = (n: number, ms: number): string => (n / (ms / 60_000)).toFixed(1);
try {
  const q = await runQemuCampaign({ runs, seed, deflateOnOom: false, outDir });
  // The QEMU report counts cases, not steps: a passing run ran exactly the first `runs` generated
  // cases, whose steps fast-check gives again for the same seed (an upper bound if a guest died).
  const qSteps = q.passed ? fc.sample(qemuCaseArbitrary(), { seed, numRuns: runs }).reduce((a, c) => a + c.steps.length, 0) : NaN;
  const x = await runXenCampaign({ runs, seed, domu: false, outDir });
  console.log(formatXenReport(x));
  const machine = `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, TCG, load ${(loadavg()[1] ?? 0).toFixed(1)}`;
  const file = join(repoRoot, 'bench', 'XEN.md');
  if (!existsSync(file)) {
    writeFileSync(file, [
      '# Real Xen beside real virtio, measured in the same run (qemu/xen/bench.ts, `npm run bench:xen`)',
      '',
      'Both under QEMU TCG on the same machine, one after the other: the virtio campaign (`balloon qemu`, a',
      '512 MiB guest) and the Xen campaign (`balloon xen`, dom0 only: Xen 4.17 and a 768 MiB Linux dom0 in',
      '1 GiB). Boots and shrink runs included; steps per minute count the steps run (for QEMU, those of',
      'the cases generated, when the run passed). The machine is shared with other sessions: figures',
      'move with its load.',
      '',
      '| date | machine | system | seed | boot (avg) | cases/min | steps/min | details |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      '',
    ].join('\n'));
  }
  const date = new Date().toISOString().slice(0, 10);
  appendFileSync(file, `| ${date} | ${machine} | virtio (QEMU ${q.qemu.split(' ')[0]}) | ${seed} | ${avg(q.bootMs)} s | ${perMin(q.casesRun, q.ms)} | ${Number.isNaN(qSteps) ? '-' : perMin(qSteps, q.ms)} | ${q.casesRun} cases in ${(q.ms / 1000).toFixed(1)} s, ${q.bootMs.length} boot(s), ${q.passed ? 'passed' : `failed: ${q.failure?.property}`} |\n`);
  appendFileSync(file, `| ${date} | ${machine} | Xen dom0 (${x.versions.split(' ')[0]}) | ${seed} | ${avg(x.bootMs)} s | ${perMin(x.casesRun, x.ms)} | ${perMin(x.stepsRun, x.ms)} | ${x.casesRun} cases (${x.stepsRun} steps) in ${(x.ms / 1000).toFixed(1)} s, ${x.bootMs.length} boot(s), ${x.passed ? 'passed' : `failed: ${x.failure?.property}`} |\n`);
  console.log('bench/XEN.md: two rows appended');
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
