/**
 * Chooses the CI sample of mutants (bench/mutation-sample.json) from a full mutation run
 * (reports/mutation/*.json): for every property, the killed mutant that the fewest other
 * properties also kill (ideally this one alone), so that blinding a property is likely to let a
 * sample mutant live and test/properties/mutation-sample.test.ts fail. Deterministic: ties go
 * to the first mutant by file, line and column. Run after `npm run mutate`:
 * `npx tsx bench/mutation-sample.ts`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const REPORTS = join(ROOT, 'reports/mutation');
const OUT = join(ROOT, 'bench/mutation-sample.json');

interface Pos { line: number; column: number }
interface Mutant { id: string; mutatorName: string; replacement?: string; status: string; statusReason?: string; location: { start: Pos; end: Pos } }
interface Candidate { file: string; line: number; column: number; mutator: string; before: string; after: string; killedBy: string[] }

const candidates: Candidate[] = [];
for (const name of readdirSync(REPORTS).filter((n) => n.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(REPORTS, name), 'utf8')) as { files: Record<string, { source: string; mutants: Mutant[] }> };
  for (const [file, { source, mutants }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    for (const m of mutants) {
      const { start, end } = m.location;
      if (m.status !== 'Killed' || start.line !== end.line || m.replacement === undefined) continue;
      // The check prints one "✗ <property> failed" line per property that caught the mutant.
      const killers = [...(m.statusReason ?? '').matchAll(/^✗ (\S+) failed/gm)].map((x) => x[1]);
      if (killers.length === 0) continue;
      const before = lines[start.line - 1];
      // A patch is applied by its whole line, so the line must be unique in the file.
      if (lines.filter((l) => l === before).length !== 1) continue;
      const after = before.slice(0, start.column - 1) + m.replacement + before.slice(end.column - 1);
      candidates.push({ file, line: start.line, column: start.column, mutator: m.mutatorName, before, after, killedBy: killers.sort() });
    }
  }
}
candidates.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
const chosen = new Set<Candidate>();
const properties = [...new Set(candidates.flatMap((c) => c.killedBy))].sort();
for (const p of properties) {
  let best: Candidate | undefined;
  for (const c of candidates) if (c.killedBy.includes(p) && (!best || c.killedBy.length < best.killedBy.length)) best = c;
  if (best) chosen.add(best);
}
const mutants = [...chosen].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);

writeFileSync(OUT, `${JSON.stringify({
  about: 'CI sample of mutants of impl/ (bench/mutation-sample.ts; checked by test/properties/mutation-sample.test.ts). Each was killed, by the properties named, in the run measured; the threshold is that the suite still kills every one.',
  measured: new Date().toISOString().slice(0, 10),
  command: 'node bin/balloon.js check --runs 300 --seed 1',
  killRateThreshold: 1,
  mutants,
}, null, 2)}\n`);
console.log(`bench/mutation-sample.json: ${mutants.length} mutants, covering ${properties.length} properties`);
