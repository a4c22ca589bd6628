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
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { FAMILIES, familyByName } from '../properties/families.ts';
import { exploreImplementation } from '../properties/exhaustive.ts';

const families = process.env.EXPLORE_FAMILIES ? process.env.EXPLORE_FAMILIES.split(',').map((n) => familyByName(n.trim())) : FAMILIES;
const REF_DEPTH = Number(process.env.EXPLORE_REF_DEPTH ?? 4);
const DEPTH = Number(process.env.EXPLORE_DEPTH ?? 6);
const MAX_STATES = Number(process.env.EXPLORE_MAX_STATES ?? 1500);

const refRows: string[] = [];
const faultRows: string[] = [];
for (const family of families) {
  const ex = family.explorer;
  if (!ex) { refRows.push(`| ${family.name} | (no explorer) | | | | | |`); continue; }
  const { guests, pages } = ex.defaults;
  const config = ex.config(guests, pages);
  const t0 = performance.now();
  const r = exploreImplementation(family, family.reference as never, config, { depth: REF_DEPTH, maxStates: 100_000 });
  const ms = performance.now() - t0;
  refRows.push(`| ${family.name} | ${guests}×${pages} | ${REF_DEPTH} | ${r.states} | ${r.edges} | ${Math.round(r.states / ms * 1000)} | ${r.stoppedBy}${r.failure ? ` (${r.failure.failure.property})` : ''} |`);
  process.stderr.write(`${family.name}: ${r.states} states, ${r.edges} edges in ${Math.round(ms)} ms\n`);
  for (const fault of family.faults) {
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

const text = `# balloon explore: states per second and the zoo

Written by \`npm run bench:explore\` (bench/explore.ts) on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), load ${loadavg()[0].toFixed(1)} at the end.
The explorer re-executes every edge from the initial state through the runner with every property
of the family (audit after every step) and runs the fair drain once from every new state
(properties/exhaustive.ts), so its rate is far below a model checker's: that is the cost of
checking the implementation's real properties without a snapshot of system and monitors.

## The reference, from each family's default tiny configuration (guests × pages)

| family | size | depth | distinct states | edges | states/s | ended by |
| --- | --- | --- | --- | --- | --- | --- |
${refRows.join('\n')}

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
writeFileSync(new URL('./EXPLORE.md', import.meta.url), text);
process.stderr.write('wrote bench/EXPLORE.md\n');
