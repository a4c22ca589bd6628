/**
 * `balloon replay FILE...`: run saved traces again and say, per file, whether it ended as the
 * file expects. Exit status (docs/TRACES.md):
 *   2  some file was unusable (one line each on stderr; nothing was run for it);
 *   1  otherwise, some trace had a failing property or did not end as its file expects
 *      (a trace that reproduces its expected failure counts here: a property failed), or the
 *      model diverged where it ran in a pass of its own;
 *   0  every trace ran, every property held, as each file expects;
 *   130/143  stopped by SIGINT/SIGTERM: the traces replayed so far are reported (cli/interrupt.ts).
 * A file whose bytes no longer match the content hash in its name (traces/hash.ts) gets a warning
 * on stderr, or is unusable under `--strict`.
 */
import type { Command } from 'commander';
import { openImplementation, parseStepTimeout, type OpenedImplementation } from '../../adapters/index.ts';
import { familyByName } from '../../properties/index.ts';
import { factoryForTrace } from '../../traces/factory.ts';
import { TraceError } from '../../traces/errors.ts';
import { isQemuTrace, isXenRealTrace, type QemuTrace, type XenRealTrace } from '../../traces/format.ts';
import { replayXenTrace } from '../../qemu/xen/campaign.ts';
import { formatXenStep } from '../../qemu/xen/steps.ts';
import { replayQemuTrace } from '../../qemu/campaign.ts';
import { formatStep } from '../../qemu/steps.ts';
import { VmError } from '../../qemu/errors.ts';
import { loadAnyTraceChecked } from '../../traces/load.ts';
import { hashMismatchProblem } from '../../traces/hash.ts';
import { replayTrace, type ReplayResult } from '../../traces/replay.ts';
import { formatReplayReport } from '../../traces/report.ts';
import { EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, UsageError } from '../errors.ts';
import { onInterrupt } from '../interrupt.ts';
import { noteOutput, STEP_TIMEOUT_HELP } from '../impl-flags.ts';
import { htmlTarget, viewedLine, viewTrace } from './view.ts';

/** Where a trace's property names are looked up: every property, and the model's. */
interface ReplayFlags { verbose?: boolean; json?: boolean; impl?: string; stepTimeout?: string | boolean; model: boolean; strict?: boolean; html?: string }

export function register(program: Command): void {
  program.command('replay')
    .description('replay saved traces (traces/corpus/*.json, traces/failures/*.json) and compare each with what it expects')
    .argument('<file...>', 'trace files')
    .option('--verbose', 'print every step, and the reproducing program for passing traces too')
    .option('--json', 'print one JSON report instead of text')
    .option('--impl <module>', 'replay on this adapter (a module whose default export is a SystemFactory of each trace\'s family; docs/ADAPTERS.md)')
    .option('--step-timeout [ms]', STEP_TIMEOUT_HELP)
    .option('--no-model', 'do not run the statechart alongside (the conformance property)')
    .option('--strict', 'refuse (exit 2) a file whose content no longer matches the hash in its name, instead of warning')
    .option('--html <file>', 'also write the trace viewer\'s page (balloon view) to this file; one trace only')
    .action(async function (this: Command, files: string[], flags: ReplayFlags) {
      // A bad --step-timeout is refused even without --impl (nothing would run in a worker thread).
      parseStepTimeout(flags.stepTimeout);
      if (flags.html !== undefined) {
        if (files.length !== 1) throw new UsageError(`--html: writes the page of one trace; ${files.length} were given`);
        htmlTarget('--html', flags.html, files[0]);
      }
      // A module implements one family: it is opened as the family of the first trace that needs
      // it (a trace names its family), once per family, and refused in one line if it is another's.
      const opened = new Map<string, OpenedImplementation>();
      const adapterFor = async (family: string) => {
        if (!flags.impl) return undefined;
        let impl = opened.get(family);
        if (!impl) {
          impl = await openImplementation(flags.impl, { stepTimeout: flags.stepTimeout, family: familyByName(family) });
          opened.set(family, impl);
        }
        return { path: impl.name, factory: impl.factory };
      };
      const results: ReplayResult[] = [];
      const unusable: TraceError[] = [];
      let vmReplays = 0;
      const interrupt = onInterrupt();
      try {
        for (const file of files) {
          // Let a pending SIGINT/SIGTERM be seen between files (a replay itself is synchronous).
          await new Promise((resolve) => setImmediate(resolve));
          if (interrupt.signal.aborted) break;
          try {
            // One loader for every source; a trace of a real VM replays on a fresh VM.
            const loaded = loadAnyTraceChecked(file);
            if (loaded.hash.status === 'differs') {
              if (flags.strict) throw new TraceError(file, '', `${hashMismatchProblem(loaded.hash)} (--strict)`);
              process.stderr.write(`balloon: warning: ${file}: ${hashMismatchProblem(loaded.hash)}\n`);
            }
            const trace = loaded.trace;
            if (isQemuTrace(trace)) {
              await replayOnVm(file, trace);
              vmReplays++;
              continue;
            }
            if (isXenRealTrace(trace)) {
              await replayOnXen(file, trace);
              vmReplays++;
              continue;
            }
            let adapter: Awaited<ReturnType<typeof adapterFor>>;
            try { adapter = await adapterFor(trace.family); } catch (e) {
              // The module is another family's: this trace cannot run on it (the others may), and the
              // replay has no --family to suggest.
              if (!(e instanceof UsageError) || !/the module implements the \S+ family, not /.test(e.message)) throw e;
              throw new TraceError(file, '', `a ${trace.family} trace cannot replay on ${e.message.replace(/; name its family with --family \S+$/, '')}`);
            }
            const factory = factoryForTrace(trace, file, adapter);
            // The trace names its family: its properties and its model are the ones replayed.
            const family = familyByName(trace.family);
            const conformance = family.properties.find((p) => p.name === 'conformance');
            const r = replayTrace(trace, {
              factory, properties: family.properties, conformance: flags.model ? conformance : undefined, model: flags.model, verbose: !!flags.verbose, file,
            });
            results.push(r);
            if (!flags.json) process.stdout.write(`${results.length > 1 ? '\n' : ''}${formatReplayReport(r, family.properties)}`);
            if (flags.html !== undefined) {
              const viewed = viewTrace(file, flags.html, { adapter, model: flags.model });
              (flags.json ? process.stderr : process.stdout).write(`${viewedLine(viewed)}\n`);
            }
          } catch (e) {
            if (!(e instanceof TraceError)) throw e;
            unusable.push(e);
            process.stderr.write(`balloon: ${e.message}\n`);
          }
        }
      } catch (e) {
        // Worker threads of modules already opened would keep the process alive after the error.
        for (const impl of opened.values()) impl.stop();
        throw e;
      } finally {
        interrupt.dispose();
      }
      const stopped = interrupt.exitCode();
      // A QEMU (or real-Xen) trace records a failure of the real system: its replay is exit 1 either way
      // (reproduced, or not reproduced as the file expects).
      const code = stopped ?? (unusable.length === 0 && vmReplays > 0 ? EXIT_FAILED : replayExitCode(results, unusable.length));
      if (flags.json) process.stdout.write(`${JSON.stringify(jsonReport(results, unusable, code, stopped !== null), null, 2)}\n`);
      else if (stopped !== null) process.stdout.write(`\nINTERRUPTED after ${results.length + unusable.length + vmReplays} of ${files.length} traces${results.length > 0 ? `: ${summaryLine(results, unusable.length)}` : ''}\n`);
      else if (files.length > 1 && results.length > 0) process.stdout.write(`\n${summaryLine(results, unusable.length)}\n`);
      for (const impl of opened.values()) {
        impl.stop();
        noteOutput(impl);
      }
      (this as Command & { exitCode?: number }).exitCode = code;
    });
}

/** The exit status of a replay of several files (see the file comment). */
export function replayExitCode(results: readonly ReplayResult[], unusable: number): number {
  if (unusable > 0) return EXIT_UNUSABLE;
  return results.every((r) => r.verdict === 'held' && !r.model) ? EXIT_OK : EXIT_FAILED;
}

function summaryLine(results: readonly ReplayResult[], unusable: number): string {
  const count = (v: ReplayResult['verdict']) => results.filter((r) => r.verdict === v).length;
  const parts = [
    `${count('held')} held`, `${count('reproduced')} reproduced`, `${count('failed')} failed`,
    `${count('failed-differently')} failed differently`, `${count('not-reproduced')} not reproduced`, `${unusable} unusable`,
  ];
  return `replayed ${results.length + unusable} traces: ${parts.join(', ')}`;
}

function jsonReport(results: readonly ReplayResult[], unusable: readonly TraceError[], exitCode: number, interrupted: boolean) {
  return {
    exitCode,
    interrupted,
    traces: [
      ...results.map((r) => ({
        file: r.file, verdict: r.verdict, asExpected: r.asExpected, expect: r.trace.expect,
        failure: r.result.failure && {
          property: r.result.failure.property, step: r.result.failure.step, phase: r.result.failure.phase,
          violation: r.result.failure.violation,
        },
        properties: r.ran, steps: r.result.steps,
        ...(r.model !== undefined ? { model: r.model ? { step: r.model.step, violation: r.model.violation } : 'conformed' } : {}),
      })),
      ...unusable.map((e) => ({ file: e.file, verdict: 'unusable', error: e.message })),
    ],
  };
}

/**
 * Replay a trace of the real system (qemu/trace.ts) on a fresh VM: the same VM steps, observed
 * and judged again by the QEMU properties. The real system is noisy, so "not reproduced" is a
 * possible, reported outcome.
 */
async function replayOnVm(file: string, trace: QemuTrace): Promise<void> {
  const vm = trace.source;
  process.stdout.write(`trace ${file}\n  real QEMU guest: ${vm.memMiB} MiB, deflate-on-oom ${vm.deflateOnOom ? 'on' : 'off'}; recorded with QEMU ${vm.qemu}, kernel ${vm.kernel}\n`);
  process.stdout.write(`  expects: ${trace.expect.property} to fail\n  steps:\n${trace.steps.map((s, i) => `    ${String(i).padStart(3)}  ${formatStep(s)}`).join('\n')}\n`);
  let r;
  try { r = await replayQemuTrace(trace); } catch (e) {
    if (e instanceof VmError && e.code === 'qemu/guest-missing') throw new UsageError(`${file}: a QEMU trace needs the test guest: run npm run qemu:setup`);
    throw e;
  }
  for (const v of r.violations) process.stdout.write(`  FAILED ${v.property} at step ${v.step}: ${v.message}\n`);
  process.stdout.write(`verdict: ${r.reproduced ? `reproduced on a fresh VM: ${trace.expect.property} failed again` : `NOT reproduced: ${trace.expect.property} held on a fresh VM this time`}\n`);
}

/**
 * Replay a trace of a real Xen machine (qemu/xen/trace.ts) on a freshly booted one: the same
 * steps, observed and judged again by the real-Xen properties.
 */
async function replayOnXen(file: string, trace: XenRealTrace): Promise<void> {
  const src = trace.source;
  process.stdout.write(`trace ${file}\n  real Xen machine${src.domu ? ' with a PV domU' : ''}; recorded with ${src.xen}, QEMU ${src.qemu}\n`);
  process.stdout.write(`  expects: ${trace.expect.property} to fail\n  steps:\n${trace.steps.map((s, i) => `    ${String(i).padStart(3)}  ${formatXenStep(s)}`).join('\n')}\n`);
  let r;
  try { r = await replayXenTrace(trace); } catch (e) {
    if (e instanceof VmError && e.code === 'qemu/guest-missing') throw new UsageError(`${file}: a real-Xen trace needs the Xen system: run balloon xen --setup`);
    throw e;
  }
  process.stdout.write(`  booted a fresh machine in ${(r.bootMs / 1000).toFixed(1)} s; it ${r.record.guest === 'alive' ? 'came back (alive at the end)' : `ended ${r.record.guest}`}\n`);
  for (const v of r.violations) process.stdout.write(`  FAILED ${v.property} at step ${v.step}: ${v.message}\n`);
  process.stdout.write(`verdict: ${r.reproduced ? `reproduced on a fresh machine: ${trace.expect.property} failed again` : `NOT reproduced: ${trace.expect.property} held on a fresh machine this time`}\n`);
}
