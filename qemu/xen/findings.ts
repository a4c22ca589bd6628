// Records the real-Xen findings of docs/FINDINGS.md (Xen) as traces: each runs one fixed case on a
// freshly booted machine and saves what happened, judged with the model's "no domain dies" held
// strictly. Usage: npx tsx qemu/xen/findings.ts [outDir=traces/xen-real]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { qemuVersion } from '../campaign.ts';
import { repoRoot } from '../paths.ts';
import { XenSession } from './campaign.ts';
import { xenStatus } from './paths.ts';
import { checkXenRealProperties } from './properties.ts';
import { runXenCase } from './runner.ts';
import { formatXenStep, type XenStep } from './steps.ts';
import { makeXenTrace, saveXenTrace } from './trace.ts';

const outDir = process.argv[2] ?? join(repoRoot, 'traces', 'xen-real');
const status = xenStatus();
if (!status.ok) { console.error(status.reason); process.exit(2); }

/** xl refuses a dom0 target of 100 MiB; the same target written to sysfs target_kb is taken, and
 * the driver balloons dom0 out until its kernel has no memory left. */
const overInflation: XenStep[] = [
  { op: 'mem-set', dom: 'dom0', mib: 100 },
  { op: 'write-target', dom: 'dom0', mib: 100 },
  { op: 'read' },
];

mkdirSync(outDir, { recursive: true });
const session = new XenSession({ domu: false, hardLimitMs: 10 * 60_000 });
try {
  const { vm, base } = await session.acquire();
  const record = await runXenCase(vm, { steps: overInflation }, base);
  for (const s of record.steps) console.log(`${formatXenStep(s.step)}: rc ${s.rc ?? '-'} ${s.output ?? ''} ${s.settle ? `${s.settle.end} path ${s.settle.path.join(' ')}` : ''} ${s.snapshot ? JSON.stringify(s.snapshot.dom0) : ''}`);
  console.log(`dom0: ${record.guest}\n${record.consoleHighlights.join('\n')}`);
  const violations = [...checkXenRealProperties(record, { strictSurvival: true }).values()].flatMap((o) => o.violations);
  console.log(violations);
  const first = violations.find((v) => v.property === 'xen-real-guest-survives') ?? violations[0];
  if (first === undefined) console.log('no violation: dom0 survived this time; no trace written');
  else {
    const t = makeXenTrace({ property: first.property, seed: 0, path: '', versions: status.files.versions, qemu: qemuVersion(), steps: overInflation, record, violations });
    console.log(`trace: ${saveXenTrace(outDir, { ...t, note: 'Over-inflation: xl refuses a 100 MiB dom0 target, a direct target_kb write of the same value is taken, and the Xen balloon driver takes dom0 down until its kernel has no memory left (docs/FINDINGS.md, Xen).' })}`);
  }
} finally {
  await session.close();
}
