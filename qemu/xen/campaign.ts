// The real-Xen campaign: fast-check generates cases, one reused Xen machine runs them, the
// properties judge the records (the loop is qemu/campaign-driver.ts's, shared with the QEMU
// campaign). A failure is shrunk (within a time budget: every shrink step is a
// real run) and saved as a balloon-trace (source `xen-real`) that replayXenTrace() runs again on
// a fresh machine. Deaths after an unsafe target are findings, counted and reported, not failures.
import { VmError } from '../errors.ts';
import { qemuVersion } from '../campaign.ts';
import { driveCampaign, type CampaignFailure, type PropertyTally } from '../campaign-driver.ts';
import { MachineSession } from '../session.ts';
import { xenCaseArbitrary } from './arbitrary.ts';
import { xenStatus } from './paths.ts';
import { checkXenRealProperties, unsafeTarget, xenRealProperties, type XenCheckOptions, type XenViolation } from './properties.ts';
import { resetXen, runXenCase, type XenCaseRecord } from './runner.ts';
import { formatXenStep, type XenCase } from './steps.ts';
import { loadXenTrace, makeXenTrace, parseXenTrace, saveXenTrace, type XenRealTrace } from './trace.ts';
import { XenVm, type XenVmOptions } from './vm.ts';

/** One machine reused across cases: rebooted only when it died, hung, or would not reset (qemu/session.ts). */
export class XenSession extends MachineSession<XenVm, { base: XenCaseRecord['base'] }> {
  constructor(opts: XenVmOptions) {
    super(() => XenVm.start(opts), resetXen, 'xen: machine');
  }
}

export interface XenCampaignOptions {
  readonly runs: number;
  readonly seed: number;
  readonly domu: boolean;
  readonly outDir: string;
  readonly onProgress?: (done: number, total: number) => void;
  /** Wall-clock budget for shrinking a failure (default 120 s); past it the best case so far is kept. */
  readonly shrinkBudgetMs?: number;
  readonly maxSteps?: number;
  /** Test-only: what the properties are run with (a deliberately broken projection). */
  readonly check?: XenCheckOptions;
}

export type { PropertyTally } from '../campaign-driver.ts';

/** The shrunk counterexample, saved as a trace. */
export type XenFailure = CampaignFailure<XenCase['steps'], XenViolation>;

export interface XenReport {
  readonly passed: boolean;
  readonly seed: number;
  readonly runs: number;
  readonly domu: boolean;
  readonly casesRun: number;
  /** Steps run on the machine (shrink runs included). */
  readonly stepsRun: number;
  /** Cases with a target below the unsafe bound, and how many of them the guest did not survive. */
  readonly unsafeCases: number;
  readonly unsafeDeaths: number;
  readonly bootMs: number[];
  readonly ms: number;
  readonly versions: string;
  readonly qemu: string;
  readonly properties: PropertyTally[];
  readonly failure: XenFailure | null;
}

/**
 * Runs `runs` generated cases on one reused Xen machine.
 * @example const r = await runXenCampaign({ runs: 3, seed: 1, domu: false, outDir: 'traces/failures' });
 *          console.log(formatXenReport(r));
 */
export async function runXenCampaign(opts: XenCampaignOptions): Promise<XenReport> {
  const status = xenStatus();
  if (!status.ok) throw new VmError('qemu/guest-missing', status.reason);
  const t0 = Date.now();
  const qemu = qemuVersion();
  const session = new XenSession({ domu: opts.domu, hardLimitMs: 30 * 60_000 });
  let stepsRun = 0;
  let unsafeCases = 0;
  let unsafeDeaths = 0;
  const r = await driveCampaign({
    name: 'xen', seed: opts.seed, runs: opts.runs, shrinkBudgetMs: opts.shrinkBudgetMs ?? 120_000,
    arbitrary: xenCaseArbitrary(opts.domu, opts.maxSteps), properties: xenRealProperties.map((p) => p.name),
    async run(c) {
      const { vm, base } = await session.acquire();
      return runXenCase(vm, c, base);
    },
    check: (record) => checkXenRealProperties(record, opts.check),
    onRecord(record) {
      stepsRun += record.steps.length;
      if (unsafeTarget(record)) {
        unsafeCases++;
        if (record.guest !== 'alive') unsafeDeaths++;
      }
    },
    session, onProgress: opts.onProgress,
    save: ({ c, record, violations, property, path }) => saveXenTrace(opts.outDir, makeXenTrace({
      property, seed: opts.seed, path, versions: status.files.versions, qemu, steps: c.steps, record, violations,
    })),
  });
  const failure = r.failure;
  return {
    passed: failure === null, seed: opts.seed, runs: opts.runs, domu: opts.domu, casesRun: r.casesRun, stepsRun, unsafeCases, unsafeDeaths,
    bootMs: session.bootMs, ms: Date.now() - t0, versions: status.files.versions, qemu, properties: r.tallies, failure,
  };
}

export function formatXenReport(r: XenReport): string {
  const lines: string[] = [];
  lines.push(`xen campaign: ${r.passed ? 'PASSED' : 'FAILED'}  seed=${r.seed} runs=${r.runs} domu=${r.domu ? 'yes' : 'no'}`);
  lines.push(`  ${r.versions}, QEMU ${r.qemu}; ${r.casesRun} cases (${r.stepsRun} steps) in ${(r.ms / 1000).toFixed(1)} s, ${r.bootMs.length} boot(s) (${r.bootMs.map((b) => `${(b / 1000).toFixed(1)} s`).join(', ')})`);
  lines.push(`  over-inflation (targets below the unsafe bound): ${r.unsafeCases} case(s), ${r.unsafeDeaths} guest death(s) (a finding: docs/FINDINGS.md, Xen)`);
  for (const p of r.properties) {
    const verdict = p.failedCases > 0 ? `FAILED in ${p.failedCases} case(s)` : p.checks === 0 ? 'not exercised' : 'held';
    lines.push(`  ${p.name.padEnd(28)} ${verdict} (${p.checks} checks)`);
  }
  const f = r.failure;
  if (f !== null) {
    lines.push(`  counterexample for ${f.property} (after ${f.numShrinks} shrinks): { seed: ${f.seed}, path: "${f.path}" }`);
    f.steps.forEach((s, i) => {
      const v = f.violations.filter((x) => x.step === i);
      lines.push(`    ${v.length > 0 ? '>' : ' '} ${String(i).padStart(2)}  ${formatXenStep(s)}${v.map((x) => `   <- ${x.property}: ${x.message}`).join('')}`);
    });
    if (f.highlights.length > 0) lines.push(`  console (notable):\n${f.highlights.map((l) => `    | ${l}`).join('\n')}`);
    lines.push(`  trace: ${f.tracePath}   (replay: balloon replay ${f.tracePath})`);
  }
  return lines.join('\n');
}

export interface XenReplay {
  readonly reproduced: boolean;
  readonly violations: XenViolation[];
  readonly record: XenCaseRecord;
  readonly bootMs: number;
}

/** Runs a saved trace's steps on a fresh machine (with the domU if it had one) and re-checks. */
export async function replayXenTrace(trace: XenRealTrace | string | unknown, check: XenCheckOptions = {}): Promise<XenReplay> {
  const t = typeof trace === 'string' ? loadXenTrace(trace) : parseXenTrace(trace);
  const session = new XenSession({ domu: t.source.domu, hardLimitMs: 10 * 60_000 });
  try {
    const { vm, base } = await session.acquire();
    const record = await runXenCase(vm, { steps: t.steps }, base);
    // A trace of a death after an unsafe target (the over-inflation finding) is judged strictly.
    const strictSurvival = check.strictSurvival ?? (t.expect.property === 'xen-real-guest-survives' && unsafeTarget(record));
    const violations = [...checkXenRealProperties(record, { ...check, strictSurvival }).values()].flatMap((o) => o.violations);
    return { reproduced: violations.some((v) => v.property === t.expect.property), violations, record, bootMs: session.bootMs[0] ?? 0 };
  } finally {
    await session.close();
  }
}
