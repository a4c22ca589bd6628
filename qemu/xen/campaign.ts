// The real-Xen campaign: fast-check generates cases, one reused Xen machine runs them, the
// properties judge the records. A failure is shrunk (within a time budget: every shrink step is a
// real run) and saved as a balloon-trace (source `xen-real`) that replayXenTrace() runs again on
// a fresh machine. Deaths after an unsafe target are findings, counted and reported, not failures.
import fc from 'fast-check';
import { VmError } from '../errors.ts';
import { qemuVersion } from '../campaign.ts';
import { xenCaseArbitrary } from './arbitrary.ts';
import { xenStatus } from './paths.ts';
import { checkXenRealProperties, unsafeTarget, xenRealProperties, type XenCheckOptions, type XenViolation } from './properties.ts';
import { resetXen, runXenCase, type XenCaseRecord } from './runner.ts';
import { formatXenStep, type XenCase } from './steps.ts';
import { loadXenTrace, makeXenTrace, parseXenTrace, saveXenTrace, type XenRealTrace } from './trace.ts';
import { XenVm, type XenVmOptions } from './vm.ts';

/** One machine reused across cases: rebooted only when it died, hung, or would not reset. */
export class XenSession {
  private vm: XenVm | null = null;
  readonly bootMs: number[] = [];
  constructor(private readonly opts: XenVmOptions) {}

  async acquire(): Promise<{ vm: XenVm; base: XenCaseRecord['base'] }> {
    for (let attempt = 0; ; attempt++) {
      if (this.vm === null || !this.vm.alive) await this.reboot();
      const vm = this.vm as XenVm;
      const r = await resetXen(vm);
      if (r.ok) return { vm, base: r.base };
      if (attempt >= 1) throw new Error(`xen: machine would not reset after a fresh boot: ${r.why}`);
      await this.reboot();
    }
  }

  async discard(): Promise<void> {
    const vm = this.vm;
    this.vm = null;
    if (vm !== null) await vm.stop();
  }

  async close(): Promise<void> {
    await this.discard();
  }

  private async reboot(): Promise<void> {
    await this.discard();
    const t0 = Date.now();
    this.vm = await XenVm.start(this.opts);
    this.bootMs.push(Date.now() - t0);
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

export interface PropertyTally { readonly name: string; checks: number; failedCases: number }

export interface XenFailure {
  readonly property: string;
  readonly violations: XenViolation[];
  readonly steps: XenCase['steps'];
  readonly seed: number;
  readonly path: string;
  readonly numShrinks: number;
  readonly tracePath: string;
  readonly consoleTail: string;
  readonly highlights: string[];
}

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

const keyOf = (c: XenCase): string => JSON.stringify(c.steps);

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
  const tallies: PropertyTally[] = xenRealProperties.map((p) => ({ name: p.name, checks: 0, failedCases: 0 }));
  const seen = new Map<string, { record: XenCaseRecord; violations: XenViolation[] }>();
  let casesRun = 0;
  let stepsRun = 0;
  let unsafeCases = 0;
  let unsafeDeaths = 0;
  let firstFailureAt: number | null = null;
  let harnessError: Error | null = null;
  const budget = opts.shrinkBudgetMs ?? 120_000;

  const property = fc.asyncProperty(xenCaseArbitrary(opts.domu, opts.maxSteps), async (c) => {
    if (firstFailureAt !== null && Date.now() - firstFailureAt > budget) return true;
    if (harnessError !== null) return true;
    let record: XenCaseRecord;
    try {
      const { vm, base } = await session.acquire();
      record = await runXenCase(vm, c, base);
    } catch (e) {
      harnessError = e instanceof Error ? e : new Error(String(e));
      return true;
    }
    casesRun++;
    stepsRun += record.steps.length;
    if (unsafeTarget(record)) {
      unsafeCases++;
      if (record.guest !== 'alive') unsafeDeaths++;
    }
    if (record.guest !== 'alive') await session.discard();
    const violations: XenViolation[] = [];
    for (const [name, o] of checkXenRealProperties(record, opts.check)) {
      const t = tallies.find((x) => x.name === name) as PropertyTally;
      t.checks += o.checked;
      if (o.violations.length > 0) t.failedCases++;
      violations.push(...o.violations);
    }
    seen.set(keyOf(c), { record, violations });
    if (firstFailureAt === null) opts.onProgress?.(Math.min(casesRun, opts.runs), opts.runs);
    if (violations.length > 0 && firstFailureAt === null) firstFailureAt = Date.now();
    return violations.length === 0;
  });

  let result: fc.RunDetails<[XenCase]>;
  try {
    result = await fc.check(property, { seed: opts.seed, numRuns: opts.runs, endOnFailure: false });
  } finally {
    await session.close();
  }
  if (harnessError !== null) throw harnessError;
  let failure: XenFailure | null = null;
  if (result.failed && result.counterexample !== null) {
    const c = result.counterexample[0];
    const hit = seen.get(keyOf(c));
    if (hit === undefined) throw new Error(`xen campaign: harness error at seed ${opts.seed} path ${result.counterexamplePath}: ${String(result.errorInstance)}`);
    const first = hit.violations[0] as XenViolation;
    const trace = makeXenTrace({
      property: first.property, seed: opts.seed, path: result.counterexamplePath ?? '', versions: status.files.versions, qemu,
      steps: c.steps, record: hit.record, violations: hit.violations,
    });
    failure = {
      property: first.property, violations: hit.violations, steps: c.steps, seed: opts.seed, path: result.counterexamplePath ?? '',
      numShrinks: result.numShrinks, tracePath: saveXenTrace(opts.outDir, trace), consoleTail: hit.record.consoleTail, highlights: hit.record.consoleHighlights,
    };
  } else if (result.failed) {
    throw new Error(`xen campaign: ${String(result.errorInstance)}`);
  }
  return {
    passed: failure === null, seed: opts.seed, runs: opts.runs, domu: opts.domu, casesRun, stepsRun, unsafeCases, unsafeDeaths,
    bootMs: session.bootMs, ms: Date.now() - t0, versions: status.files.versions, qemu, properties: tallies, failure,
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
