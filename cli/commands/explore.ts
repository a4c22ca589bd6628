/**
 * `balloon explore`: breadth-first over the states of an implementation (the reference by
 * default, with zoo faults, or a module behind --impl) from a tiny configuration, every property
 * of the family checked on every edge (properties/exhaustive.ts says exactly what is checked).
 * Prints distinct states, edges, states per second, the depth reached and whether the search was
 * exhaustive; exits 0 when every property held, 1 with the shortest failing case (BFS order) saved
 * as a trace file that `balloon replay` reproduces, 2 on bad flags. `--workers W` runs the same
 * search on W worker threads (cli/explore/parallel.ts), with the same result.
 */
import type { Command } from 'commander';
import { FAMILIES } from '../../properties/index.ts';
import { exploreImplementation, type ExploreResult } from '../../properties/exhaustive.ts';
import { explorerSetup } from '../../properties/explore-at.ts';
import { buildTrace, formatReplayCommand, saveTrace } from '../../traces/index.ts';
import { EXIT_FAILED, EXIT_OK, intFlag, UsageError } from '../errors.ts';
import { addFamilyOption, familyFlag } from '../family-flag.ts';
import { addImplOptions, chooseImplementation, noteOutput, type ImplFlags } from '../impl-flags.ts';
import { exploreParallel } from '../explore/parallel.ts';
import { DEFAULT_OUT, outDirFlag } from './check.ts';
import { HEAP_LOW, heapLimitMb, heapLow } from '../heap.ts';

interface ExploreFlags extends ImplFlags {
  family?: string; guests?: string; pages?: string; variant?: string; depth: string; maxStates: string; drain: boolean; symmetry?: boolean; out: string; json?: boolean; workers: string;
}

export const DEFAULT_DEPTH = 4;
export const DEFAULT_MAX_STATES = 2_000;
/** The most worker threads `--workers` takes (each holds a copy of the implementation and its share of the frontier). */
export const MAX_WORKERS = 64;

export function register(program: Command): void {
  addImplOptions(addFamilyOption(program.command('explore')
    .description('breadth-first over an implementation\'s states from a tiny configuration, every property checked on every edge; a failure is saved as the shortest trace'), false))
    .option('--guests <n>', 'guests in the tiny configuration (default: the family\'s)')
    .option('--pages <n>', 'guest pages per guest (default: the family\'s)')
    .option('--variant <name>', 'a named change to the tiny configuration (a feature on, host pages of several guest pages; the family\'s explorer lists them)')
    .option('--depth <n>', 'longest command list explored', String(DEFAULT_DEPTH))
    .option('--max-states <n>', 'stop once this many distinct states are known (said when hit)', String(DEFAULT_MAX_STATES))
    .option('--symmetry', 'key states up to guest and frame symmetry: interchangeable guests in a canonical order, host frames renamed (families that declare it: docs/EXPLORE.md)')
    .option('--workers <n>', 'worker threads sharing the search, level by level (1: the single-threaded search; any number finds the same states and the same shortest failing case: docs/EXPLORE.md)', '1')
    .option('--no-drain', 'skip the fair drain and end-of-run (liveness) checks from every new state')
    .option('--out <dir>', 'where a failing case is saved as a trace file', DEFAULT_OUT)
    .option('--json', 'print the result as JSON')
    .action(async function (this: Command, flags: ExploreFlags) {
      (this as Command & { exitCode?: number }).exitCode = await exploreCommand(flags);
    });
}

async function exploreCommand(flags: ExploreFlags): Promise<number> {
  const family = familyFlag(flags.family);
  const ex = family.explorer;
  if (!ex) throw new UsageError(`--family: ${family.name} cannot be explored (it declares no explorer; those that do: ${FAMILIES.filter((f) => f.explorer).map((f) => f.name).join(', ')})`);
  const guests = flags.guests === undefined ? ex.defaults.guests : intFlag('--guests', flags.guests, 1, 8);
  const pages = flags.pages === undefined ? ex.defaults.pages : intFlag('--pages', flags.pages, 1, 64);
  const depth = intFlag('--depth', flags.depth, 0, 64);
  const maxStates = intFlag('--max-states', flags.maxStates, 1, 10_000_000);
  const workers = intFlag('--workers', flags.workers, 1, MAX_WORKERS);
  // With no command applied and no drain run, the search would check nothing at all and still
  // report every property as held: refuse it rather than print a pass that means nothing.
  if (depth === 0 && !flags.drain) throw new UsageError('--depth 0 --no-drain: nothing would be checked (no command is applied and the drain is off); give --depth 1 or more, or drop --no-drain');
  const known = Object.keys(ex.variants ?? {});
  if (flags.variant !== undefined && !known.includes(flags.variant)) throw new UsageError(`--variant: unknown ${family.name} variant "${flags.variant}" (known: ${known.join(', ') || 'none'})`);
  const setup = explorerSetup(family, guests, pages, flags.variant);
  const config = setup.config;
  const problems = family.configProblems(config);
  if (problems.length > 0) throw new UsageError(`--guests ${guests} --pages ${pages}: no ${family.name} configuration of that size (${problems[0]})`);
  const impl = await chooseImplementation(flags, family);
  try {
    // Made last of the checks (the module opened): a bad flag leaves no folder behind.
    outDirFlag(flags.out);
    const alphabet = setup.family.explorer!.alphabet(config as never).length;
    if (!flags.json) {
      const on = impl.faults.length > 0 ? `, faults on: ${impl.faults.join(', ')}` : '';
      const v = flags.variant ? `, variant ${flags.variant}` : '';
      const sym = flags.symmetry ? (ex.symmetry ? ', up to guest and frame symmetry' : `, no symmetry reduction (${family.name} declares none)`) : '';
      process.stdout.write(`balloon explore: family ${family.name}, implementation ${impl.name}${on}, ${guests} guest(s) of ${pages} pages${v}${sym}, depth ≤ ${depth}, ≤ ${maxStates} states, alphabet of ${alphabet} commands${workers > 1 ? `, ${workers} worker threads` : ''}\n`);
    }
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const opts = {
      depth, maxStates, drain: flags.drain, symmetry: flags.symmetry ?? false, memoryLow: heapLow,
      onLevel: flags.json ? undefined : (d: number, s: number, e: number) => process.stdout.write(`  depth ${d}: ${s} states, ${e} edges\n`),
    };
    const r = workers === 1 ? exploreImplementation(setup.family, impl.factory, config, opts) : await exploreParallel(setup.family, impl.factory, config, {
      family: family.name, guests, pages, ...(flags.variant !== undefined ? { variant: flags.variant } : {}),
      impl: flags.impl, faults: impl.faults, ...(flags.stepTimeout !== undefined ? { stepTimeout: flags.stepTimeout } : {}),
      drain: flags.drain, symmetry: flags.symmetry ?? false,
    }, { ...opts, workers, onReady: flags.json ? undefined : () => process.stdout.write(`  ${workers} worker threads ready after ${((performance.now() - t0) / 1000).toFixed(1)}s\n`) });
    const ms = performance.now() - t0;
    // CPU time of the whole process, every worker thread included (the machine may be shared: wall time alone says little).
    const cpu = process.cpuUsage(c0);
    const run = { ms, cpuMs: (cpu.user + cpu.system) / 1000, workers };
    const rate = Math.round(r.states / Math.max(ms, 1) * 1000);
    let file: string | undefined;
    if (r.failure) {
      file = saveTrace(flags.out, buildTrace({
        config: r.config as never, commands: r.failure.commands as never, properties: r.properties, failure: r.failure.failure,
        impl: impl.name, faults: impl.faults,
        note: `balloon explore: shortest failing case in BFS order (${r.failure.commands.length} commands, ${guests} guest(s) of ${pages} pages${flags.variant ? `, variant ${flags.variant}` : ""}, ${r.failure.statesAtFind} states explored)`,
      }));
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(jsonResult(r, run, rate, file, impl), null, 2)}\n`);
    else printResult(r, run, rate, file, flags.drain, (c) => family.formatCommand(c), flags.impl);
    return r.failure ? EXIT_FAILED : EXIT_OK;
  } finally {
    impl.stop();
    noteOutput(impl);
  }
}

function bound(r: ExploreResult, drain: boolean): string {
  const what = `checked on every edge: ${r.properties.length} ${r.properties.length === 1 ? 'property' : 'properties'} (every step check and the full audit after every step)${drain ? '; from every new state, the fair drain and end-of-run checks' : '; no drain (--no-drain)'}`;
  switch (r.stoppedBy) {
    case 'exhausted': return `EXHAUSTIVE: no new state within the bounds (deepest new state at depth ${r.depthReached})\n${what}`;
    case 'depth': return `NOT exhaustive: stopped at the depth bound (${r.depthReached}); states at that depth were not expanded\n${what}`;
    case 'state-limit': return `NOT exhaustive: the state limit was hit at depth ${r.depthReached} (--max-states)\n${what}`;
    case 'memory': return `NOT exhaustive: memory ran low at depth ${r.depthReached}, ${r.states} states (the JavaScript heap past ${Math.round(HEAP_LOW * 100)}% of its ${heapLimitMb()} MB; every state left to expand keeps a copy of system and monitors): give Node more with NODE_OPTIONS=--max-old-space-size=<MB>, or lower --max-states\n${what}`;
    case 'failure': return what;
  }
}

interface RunFigures { ms: number; cpuMs: number; workers: number }

function printResult(r: ExploreResult, { ms, cpuMs, workers }: RunFigures, rate: number, file: string | undefined, drain: boolean, fmt: (c: never) => string, impl: string): void {
  const out = process.stdout;
  const how = r.mode === 'fork'
    ? 'each state forked from a snapshot of system and monitors, no replay'
    : 'each edge re-executed from the start: the system or a property monitor cannot fork (SystemUnderTest.fork, PropertyMonitor.fork), which is slower';
  out.write(`distinct states: ${r.states}, edges: ${r.edges}, depth reached: ${r.depthReached}, ${rate} states/s (${(ms / 1000).toFixed(1)}s, ${(cpuMs / 1000).toFixed(1)} CPU s${workers > 1 ? ` in ${workers} worker threads and this one` : ''}; ${how})\n`);
  out.write(`${bound(r, drain)}\nproperties: ${r.properties.join(', ')}\n`);
  if (!r.failure) { out.write(`\nall ${r.properties.length} properties held in every state explored\n`); return; }
  const f = r.failure;
  out.write(`\nFAILED: ${f.failure.property} (${f.foundBy === 'edge' ? 'on an edge' : 'in the drain from a state'}), shortest case of ${f.commands.length} commands in BFS order:\n`);
  f.commands.forEach((c, i) => out.write(`  ${i === f.failure.step ? '>>' : '  '} ${String(i).padStart(3)}  ${fmt(c as never)}\n`));
  if (f.failure.step >= f.commands.length || f.failure.step < 0) out.write(`  >> (during the fair drain or the end-of-run checks)\n`);
  out.write(`  ${f.failure.violation.message}\n  saved: ${file}\n  replay: ${formatReplayCommand(file!, impl)}\n`);
  if (!f.replays) out.write('  note: only the audit after every step sees this; replay audits at the runner\'s interval and drains first, so it may not reproduce it\n');
}

function jsonResult(r: ExploreResult, { ms, cpuMs, workers }: RunFigures, rate: number, file: string | undefined, impl: { name: string; faults: string[] }) {
  return {
    ok: !r.failure, family: r.family, implementation: impl.name, faults: impl.faults, config: r.config,
    states: r.states, edges: r.edges, depthReached: r.depthReached, perDepth: r.perDepth, exhaustive: r.exhaustive, stoppedBy: r.stoppedBy,
    statesPerSecond: rate, ms: Math.round(ms), cpuMs: Math.round(cpuMs), workers, mode: r.mode, symmetry: r.symmetry, alphabet: r.alphabet, properties: r.properties,
    failure: r.failure ? {
      property: r.failure.failure.property, step: r.failure.failure.step, phase: r.failure.failure.phase, foundBy: r.failure.foundBy,
      length: r.failure.commands.length, replays: r.failure.replays, statesAtFind: r.failure.statesAtFind, message: r.failure.failure.violation.message, trace: file, commands: r.failure.commands,
    } : null,
  };
}
