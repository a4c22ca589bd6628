// The QEMU campaign: fast-check generates cases, one reused VM runs them, the properties judge
// the records (the loop is qemu/campaign-driver.ts's, shared with the Xen campaign). A failure is
// shrunk (within a time budget: every shrink step is a real VM run) and saved as a balloon-trace
// that replayQemuTrace() runs again on a fresh VM.
import { spawnSync } from 'node:child_process';
import { qemuCaseArbitrary } from './arbitrary.ts';
import { driveCampaign, type CampaignFailure, type PropertyTally } from './campaign-driver.ts';
import { VmError } from './errors.ts';
import { guestStatus } from './paths.ts';
import { qemuUnobservable } from './device-properties.ts';
import { checkQemuProperties, qemuProperties, type Violation } from './properties.ts';
import { runCase, type CaseRecord } from './runner.ts';
import { VmSession } from './session.ts';
import { formatStep, type QemuCase } from './steps.ts';
import { loadTrace, makeTrace, parseTrace, saveTrace, type QemuTrace } from './trace.ts';
import { findVariant, legacyVariant, type QemuVariant } from './variants.ts';
import type { VmOptions } from './vm.ts';

export interface QemuCampaignOptions {
  readonly runs: number;
  readonly seed: number;
  readonly deflateOnOom: boolean;
  /** The device and guest configuration (qemu/variants.ts); default plain, or deflate-on-oom when that flag is set. */
  readonly variant?: QemuVariant;
  /** Record QEMU's trace of the device (default on); off, the host-trace properties check nothing (bench: what observing costs). */
  readonly hostTrace?: boolean;
  /** Where failing traces are written. */
  readonly outDir: string;
  readonly onProgress?: (done: number, total: number) => void;
  /** Wall-clock budget for shrinking a failure (default 90 s); past it the best case so far is kept. */
  readonly shrinkBudgetMs?: number;
  readonly maxSteps?: number;
}

export type { PropertyTally } from './campaign-driver.ts';

/** The shrunk counterexample, saved as a trace. */
export type QemuFailure = CampaignFailure<QemuCase['steps'], Violation>;

export interface QemuReport {
  readonly passed: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly deflateOnOom: boolean;
  readonly variant: string;
  /** Cases executed on a VM, shrink runs included. */
  readonly casesRun: number;
  readonly guestDeaths: number;
  readonly bootMs: number[];
  readonly ms: number;
  readonly kernel: string;
  readonly qemu: string;
  readonly properties: PropertyTally[];
  /** Buffers the device popped per queue (0 inflateq, 1 deflateq, 2 statsq, 3 reporting_vq), from its trace. */
  readonly devicePops: Record<number, number>;
  readonly failure: QemuFailure | null;
}

export function qemuVersion(): string {
  const r = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout.split('\n')[0] ?? '').replace(/^QEMU emulator version /, '') : 'unknown';
}

/**
 * Runs `runs` generated cases on one reused VM.
 * @example const r = await runQemuCampaign({ runs: 6, seed: 1, deflateOnOom: false, outDir: 'traces/failures' });
 *          console.log(formatQemuReport(r));
 */
export async function runQemuCampaign(opts: QemuCampaignOptions): Promise<QemuReport> {
  const status = guestStatus();
  if (!status.ok) throw new VmError('qemu/guest-missing', status.reason);
  const t0 = Date.now();
  const qemu = qemuVersion();
  const variant = opts.variant ?? legacyVariant(opts.deflateOnOom);
  // Hard limit per VM: generous for the campaign, yet a stuck run still ends on its own.
  const session = new VmSession({ ...variantVmOptions(variant), hostTrace: opts.hostTrace ?? true, hardLimitMs: 30 * 60_000 });
  const devicePops: Record<number, number> = {};
  const r = await driveCampaign({
    name: 'qemu', seed: opts.seed, runs: opts.runs, shrinkBudgetMs: opts.shrinkBudgetMs ?? 90_000,
    arbitrary: qemuCaseArbitrary(opts.maxSteps), properties: qemuProperties.map((p) => p.name),
    async run(c) {
      const { vm, base, features } = await session.acquire();
      return runCase(vm, c, base, { variant: variant.name, ...(features !== undefined ? { features } : {}) });
    },
    check: (record) => checkQemuProperties(record),
    onRecord(record) {
      for (const st of record.steps) for (const e of st.device ?? []) if (e.k === 'pop') devicePops[e.q] = (devicePops[e.q] ?? 0) + 1;
    },
    session, onProgress: opts.onProgress,
    save: ({ c, record, violations, property, path }) => saveTrace(opts.outDir, makeTrace({
      property, seed: opts.seed, path, kernel: status.files.kernelVersion, qemu, steps: c.steps, record, violations,
    })),
  });
  const failure = r.failure;
  return {
    passed: failure === null, seed: opts.seed, runs: opts.runs, deflateOnOom: variant.deflateOnOom, variant: variant.name,
    casesRun: r.casesRun, guestDeaths: r.guestDeaths, bootMs: session.bootMs, ms: Date.now() - t0,
    kernel: status.files.kernelVersion, qemu, properties: r.tallies, devicePops, failure,
  };
}

/** A report a person reads: verdict, then each property, then the failing case as steps. */
export function formatQemuReport(r: QemuReport): string {
  const lines: string[] = [];
  lines.push(`qemu campaign: ${r.passed ? 'PASSED' : 'FAILED'}  seed=${r.seed} runs=${r.runs} variant=${r.variant} deflate-on-oom=${r.deflateOnOom ? 'on' : 'off'}`);
  lines.push(`  QEMU ${r.qemu}, kernel ${r.kernel}; ${r.casesRun} cases in ${(r.ms / 1000).toFixed(1)} s, ${r.bootMs.length} boot(s) (${r.bootMs.map((b) => `${(b / 1000).toFixed(1)} s`).join(', ')}), ${r.guestDeaths} guest death(s)`);
  for (const p of r.properties) {
    const verdict = p.failedCases > 0 ? `FAILED in ${p.failedCases} case(s)` : p.checks === 0 ? 'not exercised' : 'held';
    lines.push(`  ${p.name.padEnd(34)} ${verdict} (${p.checks} checks)`);
  }
  const queues = ['inflateq', 'deflateq', 'statsq', 'reporting_vq'];
  const pops = Object.entries(r.devicePops).map(([q, n]) => `${queues[Number(q)] ?? `queue ${q}`} ${n}`);
  lines.push(`  device trace: ${pops.length > 0 ? `buffers popped: ${pops.join(', ')}` : 'not recorded'}`);
  lines.push('  not observable on QEMU + Linux (so not checked here):');
  for (const u of qemuUnobservable) lines.push(`    - ${u.what}: ${u.why}`);
  const f = r.failure;
  if (f !== null) {
    lines.push(`  counterexample for ${f.property} (after ${f.numShrinks} shrinks): { seed: ${f.seed}, path: "${f.path}" }`);
    f.steps.forEach((s, i) => {
      const v = f.violations.filter((x) => x.step === i);
      lines.push(`    ${v.length > 0 ? '>' : ' '} ${String(i).padStart(2)}  ${formatStep(s)}${v.map((x) => `   <- ${x.property}: ${x.message}`).join('')}`);
    });
    if (f.highlights.length > 0) lines.push(`  guest console (notable):\n${f.highlights.map((l) => `    | ${l}`).join('\n')}`);
    if (f.consoleTail !== '') lines.push(`  guest console (tail):\n${f.consoleTail.split('\n').slice(-8).map((l) => `    | ${l}`).join('\n')}`);
    lines.push(`  trace: ${f.tracePath}   (replay: replayQemuTrace(loadTrace(path)))`);
  }
  return lines.join('\n');
}

export interface QemuReplay {
  /** The trace's property failed again. */
  readonly reproduced: boolean;
  readonly violations: Violation[];
  readonly record: CaseRecord;
}

/** Runs a saved trace's steps on a fresh VM (same RAM and deflate-on-oom) and re-checks. */
export async function replayQemuTrace(trace: QemuTrace | string | unknown): Promise<QemuReplay> {
  const t = typeof trace === 'string' ? loadTrace(trace) : parseTrace(trace);
  const variant = (t.source.variant !== undefined ? findVariant(t.source.variant) : null) ?? legacyVariant(t.source.deflateOnOom);
  const session = new VmSession({ ...variantVmOptions(variant), memMiB: t.source.memMiB, hardLimitMs: 5 * 60_000 });
  try {
    const { vm, base, features } = await session.acquire();
    const record = await runCase(vm, { steps: t.steps }, base, { variant: variant.name, ...(features !== undefined ? { features } : {}) });
    const violations = [...checkQemuProperties(record).values()].flatMap((o) => o.violations);
    return { reproduced: violations.some((v) => v.property === t.expect.property), violations, record };
  } finally {
    await session.close();
  }
}

/** The VM options a variant asks for (device properties and guest command line). */
export function variantVmOptions(v: QemuVariant): VmOptions {
  return { deflateOnOom: v.deflateOnOom, freePageReporting: v.freePageReporting, append: v.append };
}

export { loadTrace } from './trace.ts';
