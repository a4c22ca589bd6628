/**
 * `npm run bench:explore`: what `balloon explore` costs and finds. For every family, the
 * reference explored from the family's default tiny configuration (distinct states, edges,
 * distinct states per second, whether the bound or exhaustion ended it); then, for every zoo
 * fault, the BFS depth (length of the shortest failing case), the states explored when found,
 * the property and the time, or "not found" within the bounds. Writes bench/EXPLORE.md; the
 * fault table has a row per fault with its family, to be joined to bench/ZOO.md.
 *
 *   npm run bench:explore
 *   EXPLORE_FAMILIES=xen EXPLORE_DEPTH=6 EXPLORE_MAX_STATES=2000 npm run bench:explore
 *   EXPLORE_ONLY=workers npm run bench:explore   # only the --workers section, put into the existing file
 *   EXPLORE_ONLY=speed npm run bench:explore     # the reference, symmetry and issue 21 sections only;
 *                                                # the workers and zoo fault sections kept from the existing file
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { guestConfig } from '../core/virtio/index.ts';
import { modelInput } from '../model/virtio/index.ts';
import { exploreGuest } from '../properties/explore.ts';
import { FAMILIES, familyByName } from '../properties/families.ts';
import { exploreImplementation } from '../properties/exhaustive.ts';
import { exploreParallel } from '../cli/explore/parallel.ts';

/**
 * The bare statechart, breadth first: xstate/graph over virtio's guest chart (properties/explore.ts
 * exploreGuest, the pure transition, no implementation and no property) for a guest of `pages`
 * pages, batches of 2, floor 1: the floor an exploration that checks nothing would cost. Only
 * virtio's chart has an explorer of its own (its events carry payloads that the chart explorer
 * chooses as the reference driver would); the other families' charts have none yet.
 */
function bareChart(family: string, pages: number): { states: number; perSecond: number } | null {
  if (family !== 'virtio') return null;
  const input = modelInput(guestConfig({ ramPages: pages, floorPages: 1 }), 2);
  const t = performance.now();
  const states = exploreGuest(input).paths.size;
  return { states, perSecond: states / ((performance.now() - t) / 1000) };
}

const families = process.env.EXPLORE_FAMILIES ? process.env.EXPLORE_FAMILIES.split(',').map((n) => familyByName(n.trim())) : FAMILIES;
const REF_DEPTH = Number(process.env.EXPLORE_REF_DEPTH ?? 4);
const DEPTH = Number(process.env.EXPLORE_DEPTH ?? 6);
const MAX_STATES = Number(process.env.EXPLORE_MAX_STATES ?? 1500);
/** The state limit of issue 21's run (virtio, 2 guests of 8 pages, depth 12, with symmetry). */
const BIG_MAX_STATES = Number(process.env.EXPLORE_BIG_MAX_STATES ?? 3000);

/** `run()` timed both ways: wall time and this process's CPU time (the machine is shared; CPU time is what the search itself costs). */
function timed<T>(run: () => T): { value: T; ms: number; cpuMs: number } {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = run();
  const ms = performance.now() - t;
  const u = process.cpuUsage(c);
  return { value, ms, cpuMs: (u.user + u.system) / 1000 };
}

/** `run()` as timed(), for a search that awaits (the worker threads' CPU time is this process's too). */
async function timedAsync<T>(run: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  const value = await run();
  const ms = performance.now() - t;
  const u = process.cpuUsage(c);
  return { value, ms, cpuMs: (u.user + u.system) / 1000 };
}

// Depth 8: at 5 the searches took 0.1-0.4 s on one thread, so the workers' start (1.6 s) was all
// the comparison showed; at 8 they take 0.2-2.7 s and the rate after the start means something.
const WORKERS_DEPTH = Number(process.env.EXPLORE_WORKERS_DEPTH ?? 8);
const WORKERS = Number(process.env.EXPLORE_WORKERS ?? 2);

/**
 * `--workers`: each family's default tiny configuration at WORKERS_DEPTH, on one thread
 * (exploreImplementation) and on WORKERS worker threads (cli/explore/parallel.ts), one after the
 * other; the worker threads' start (until every one is ready: onReady) is timed
 * too. The counts must agree (the row says so); the rates are figures, never an assertion.
 */
async function workersRows(): Promise<string[]> {
  const rows: string[] = [];
  for (const family of families) {
    const ex = family.explorer;
    if (!ex) continue;
    const { guests, pages } = ex.defaults;
    const config = ex.config(guests, pages);
    const spec = { family: family.name, guests, pages, impl: 'reference', faults: [], drain: true, symmetry: false };
    const opts = { depth: WORKERS_DEPTH, maxStates: 1_000_000 };
    exploreImplementation(family, family.reference as never, config, { depth: 2, maxStates: 100_000 });
    const one = timed(() => exploreImplementation(family, family.reference as never, config, opts));
    // The threads' start, measured in the same run: from the call to every worker ready.
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let up = { ms: 0, cpuMs: 0 };
    const many = await timedAsync(() => exploreParallel(family, family.reference as never, config, spec, {
      ...opts, workers: WORKERS, onReady: () => { const u = process.cpuUsage(c0); up = { ms: performance.now() - t0, cpuMs: (u.user + u.system) / 1000 }; },
    }));
    const search = { ms: many.ms - up.ms, cpuMs: many.cpuMs - up.cpuMs };
    const same = one.value.states === many.value.states && one.value.edges === many.value.edges && one.value.perDepth.join() === many.value.perDepth.join();
    const rate = (n: number, t: number) => Math.round(n / t * 1000).toLocaleString('en-US');
    const s = (ms: number) => (ms / 1000).toFixed(1);
    rows.push(`| ${family.name} | ${guests}×${pages} | ${WORKERS_DEPTH} | ${one.value.states} | ${one.value.edges} | ${same ? 'yes' : `**no** (${many.value.states} states, ${many.value.edges} edges)`} | ${rate(one.value.states, one.ms)} / ${rate(one.value.states, one.cpuMs)} | ${s(one.ms)} / ${s(one.cpuMs)} | ${rate(many.value.states, many.ms)} / ${rate(many.value.states, many.cpuMs)} | ${s(many.ms)} / ${s(many.cpuMs)} | ${s(up.ms)} / ${s(up.cpuMs)} | ${rate(many.value.states, search.ms)} / ${rate(many.value.states, search.cpuMs)} | ${(one.ms / many.ms).toFixed(2)} / ${(one.ms / search.ms).toFixed(2)} |`);
    process.stderr.write(`${family.name} workers: W=1 ${Math.round(one.ms)} ms, W=${WORKERS} ${Math.round(many.ms)} ms (start ${Math.round(up.ms)} ms), same: ${same}\n`);
  }
  return rows;
}

function workersSection(rows: string[]): string {
  return `## Worker threads (\`--workers ${WORKERS}\`): the same search on one thread and on ${WORKERS}, depth ${WORKERS_DEPTH}

Written by \`EXPLORE_ONLY=workers npm run bench:explore\` or the whole bench, on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load ${loadavg()[0].toFixed(1)} at the end.
Each family's default tiny configuration, searched on one thread (the single-threaded search)
and then on ${WORKERS} worker threads (cli/explore/parallel.ts: level-synchronous, a shared visited set,
docs/EXPLORE.md), one after the other in this run. "same" says whether the distinct states, edges
and per-depth counts agree (they must). Rates are distinct states per wall second / per CPU
second, times are wall s / CPU s; CPU time is the whole process's, every thread included, so it
shows what the workers cost beside what they save. "start" is the worker threads' start
(from the call until every thread is up, tsx registered, the project loaded and the search
built; part of the ${WORKERS}-worker figures), which every run with workers pays and which dominates
small searches; "after start" is the same run without it. "speed-up" is wall time on one thread
over wall time on ${WORKERS}, start included / after start; read it with the load above: on a busy
machine the workers have no idle core to use.

| family | size | depth | distinct states | edges | same | 1 thread: states/s | 1 thread: s | ${WORKERS} workers: states/s | ${WORKERS} workers: s | start: s | after start: states/s | speed-up |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
}

const SECTION = /## Worker threads [\s\S]*?(?=\n## |$)/;
if (process.env.EXPLORE_ONLY === 'workers') {
  const file = new URL('./EXPLORE.md', import.meta.url);
  const old = readFileSync(file, 'utf8');
  const section = workersSection(await workersRows());
  writeFileSync(file, SECTION.test(old) ? old.replace(SECTION, section) : old.replace(/\n## Each zoo fault/, `\n${section}\n## Each zoo fault`));
  process.stderr.write('wrote the workers section of bench/EXPLORE.md\n');
  process.exit(0);
}

/** EXPLORE_ONLY=speed: no zoo fault search and no worker threads; those sections stay as the existing file has them. */
const SPEED_ONLY = process.env.EXPLORE_ONLY === 'speed';
const refRows: string[] = [];
const faultRows: string[] = [];
for (const family of families) {
  const ex = family.explorer;
  if (!ex) { refRows.push(`| ${family.name} | (no explorer) | | | | | | | | | |`); continue; }
  const { guests, pages } = ex.defaults;
  const config = ex.config(guests, pages);
  // Untimed first: the first exploration of a family also pays for loading and compiling its code.
  exploreImplementation(family, family.reference as never, config, { depth: 2, maxStates: 100_000 });
  exploreImplementation(family, family.reference as never, config, { depth: 2, maxStates: 100_000, replay: true });
  if (family.name === 'virtio') bareChart(family.name, pages);
  // The explorer as it runs (forking where it can), then forced to replay, then the bare chart: one after the other in this run.
  const { value: r, ms, cpuMs } = timed(() => exploreImplementation(family, family.reference as never, config, { depth: REF_DEPTH, maxStates: 100_000 }));
  const t1 = performance.now();
  const rr = r.mode === 'fork' ? exploreImplementation(family, family.reference as never, config, { depth: REF_DEPTH, maxStates: 100_000, replay: true }) : null;
  const rms = performance.now() - t1;
  const chart = bareChart(family.name, pages);
  const rate = (n: number, t: number) => Math.round(n / t * 1000).toLocaleString('en-US');
  refRows.push(`| ${family.name} | ${guests}×${pages} | ${REF_DEPTH} | ${r.states} | ${r.edges} | ${r.mode} | ${rate(r.states, ms)} | ${rate(r.states, cpuMs)} | ${rr ? rate(rr.states, rms) : '(same: replay)'} | ${chart ? `${Math.round(chart.perSecond).toLocaleString('en-US')} (${chart.states} chart states)` : 'no chart explorer'} | ${r.stoppedBy}${r.failure ? ` (${r.failure.failure.property})` : ''} |`);
  process.stderr.write(`${family.name}: ${r.states} states, ${r.edges} edges in ${Math.round(ms)} ms\n`);
  for (const fault of SPEED_ONLY ? [] : family.faults) {
    const t = performance.now();
    const f = exploreImplementation(family, family.withFaults([fault.name]) as never, config, { depth: DEPTH, maxStates: MAX_STATES });
    const fms = performance.now() - t;
    const found = f.failure;
    faultRows.push(found
      ? `| ${family.name} | ${fault.name} | ${guests}×${pages} | ${found.commands.length} | ${found.statesAtFind} | ${found.failure.property} (${found.foundBy}) | ${(fms / 1000).toFixed(1)} |`
      : `| ${family.name} | ${fault.name} | ${guests}×${pages} | not found (${f.stoppedBy} at depth ${f.depthReached}) | ${f.states} | | ${(fms / 1000).toFixed(1)} |`);
    process.stderr.write(`  ${fault.name}: ${found ? `depth ${found.commands.length}, ${found.failure.property}` : `not found (${f.stoppedBy})`} ${Math.round(fms)} ms\n`);
  }
}

// Symmetry reduction (ExploreOptions.symmetry) where a family declares it: two guests of its
// default pages at depth 3, keyed plainly and up to symmetry, one after the other.
const symRows: string[] = [];
for (const family of families) {
  const ex = family.explorer;
  if (!ex?.symmetry) continue;
  const config = ex.config(2, ex.defaults.pages);
  const row = [false, true].map((symmetry) => timed(() => exploreImplementation(family, family.reference as never, config, { depth: 3, maxStates: 100_000, symmetry })));
  const [plain, sym] = row;
  const rate = (n: number, t: number) => Math.round(n / t * 1000).toLocaleString('en-US');
  symRows.push(`| ${family.name} | 2×${ex.defaults.pages} | 3 | ${plain.value.states} (${plain.value.edges} edges) | ${rate(plain.value.states, plain.ms)} / ${rate(plain.value.states, plain.cpuMs)} | ${sym.value.states} (${sym.value.edges} edges) | ${rate(sym.value.states, sym.ms)} / ${rate(sym.value.states, sym.cpuMs)} |`);
}

// Issue 21's run: virtio, two guests of 8 pages, depth 12, up to symmetry, within a state limit.
let bigRow = '(virtio not benchmarked)';
if (families.some((f) => f.name === 'virtio')) {
  const virtio = familyByName('virtio');
  const { value: big, ms, cpuMs } = timed(() => exploreImplementation(virtio, virtio.reference as never, virtio.explorer!.config(2, 8), { depth: 12, maxStates: BIG_MAX_STATES, symmetry: true }));
  bigRow = `| virtio | 2×8 | 12 | yes | ${BIG_MAX_STATES} | ${big.states} | ${big.edges} | ${big.depthReached} (per depth: ${big.perDepth.join(', ')}) | ${(ms / 1000).toFixed(1)} | ${(cpuMs / 1000).toFixed(1)} | ${Math.round(big.states / ms * 1000)} / ${Math.round(big.states / cpuMs * 1000)} | ${big.exhaustive ? 'yes' : `no (${big.stoppedBy})`} |`;
  process.stderr.write(`virtio 2x8 depth 12: ${big.states} states, depth ${big.depthReached}, ${big.stoppedBy}, ${Math.round(ms)} ms\n`);
}

const text = `# balloon explore: states per second and the zoo

Written by \`npm run bench:explore\` (bench/explore.ts) on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load ${loadavg()[0].toFixed(1)} at the end.
Every edge is a step of the runner with every property of the family (audit after every step),
and the fair drain runs once from every new state (properties/exhaustive.ts). Mode "fork": the
case of each frontier state (system and every property monitor) is forked per command, no
replay; "replay": every edge is re-executed from the initial state, because the family's system
or one of its monitors cannot fork yet. "replaying" is the same search forced to replay, timed in
the same run; "bare chart" is xstate/graph's breadth-first search over virtio's guest chart alone
(no implementation, no property), also in the same run. States are deduplicated by 64-bit
fingerprints of the family's key. Each family is explored once untimed first (depth 2, both
ways, and the bare chart), so the timed runs do not pay for loading and compiling its code. Rates
are distinct states per second of wall time. The machine is shared: compare the columns of one
row, not rows of different runs.${SPEED_ONLY ? `
This run was \`EXPLORE_ONLY=speed\`: the sections from "Worker threads" on are an earlier run's,
kept as they were (their counts do not depend on the search's speed, their times do).` : ''}

## The reference, from each family's default tiny configuration (guests × pages)

| family | size | depth | distinct states | edges | mode | states/s | states per CPU s | states/s replaying | bare chart BFS states/s | ended by |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${refRows.join('\n')}

"states per CPU s" divides by this process's CPU time (process.cpuUsage) instead of wall time:
what the search costs when it has a core to itself, which on this shared machine it rarely does.

## Symmetry reduction (\`--symmetry\`): two interchangeable guests, depth 3

Keyed plainly, then up to guest and frame symmetry (state-key.ts symmetricObservation), one
after the other in this run; rates are states per wall second / per CPU second.

| family | size | depth | states, plain | states/s plain | states, symmetric | states/s symmetric |
| --- | --- | --- | --- | --- | --- | --- |
${symRows.join('\n')}

## Issue 21's run: \`balloon explore --family virtio --guests 2 --pages 8 --depth 12 --symmetry\`

| family | size | depth bound | symmetry | state limit | distinct states | edges | depth reached | wall s | CPU s | states/s (wall / CPU) | exhaustive |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${bigRow}

${SPEED_ONLY ? '' : workersSection(await workersRows())}
## Each zoo fault: the shortest failing case in BFS order (depth ≤ ${DEPTH}, ≤ ${MAX_STATES} states)

"depth" is the number of commands of the shortest failing case (every shorter case was explored
and held, relative to the family's state key); "states" is how many distinct states were known
when it was found. "not found" is within these bounds only: a fault that needs another
configuration (a hole, 64 KiB guest pages, host pages of several gpfns, two guests) or a longer
chain is not found here, which says nothing about it beyond the bounds.

| family | fault | size | depth | states | property (found on) | seconds |
| --- | --- | --- | --- | --- | --- | --- |
${faultRows.join('\n')}
`;
const file = new URL('./EXPLORE.md', import.meta.url);
// With EXPLORE_ONLY=speed, everything from the workers section on is the existing file's.
const kept = SPEED_ONLY ? /\n## Worker threads [\s\S]*$/.exec(readFileSync(file, 'utf8'))?.[0] : undefined;
writeFileSync(file, kept === undefined ? text : `${text.slice(0, text.indexOf('\n\n## Each zoo fault')).trimEnd()}\n${kept}`);
process.stderr.write('wrote bench/EXPLORE.md\n');
