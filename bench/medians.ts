/**
 * `npm run bench:medians`: runs to detection of every zoo fault at many seeds, this tree beside a
 * baseline checkout, measured in one run (issue 22: "median runs to detection does not rise").
 * bench/ZOO.md takes the median over seeds 1-20, where one seed's case moves a median by several
 * runs (its "runs (max)" column is often five times the median); here each fault runs at seeds
 * 1 to MEDIANS_SEEDS (100 by default) with no shrinking, so a rise that holds over 100 seeds can
 * be told from the draw of 20. Each tree runs in its own process, both at once, so a busy
 * machine slows both alike (the counts do not depend on the machine at all).
 *
 *   git worktree add --detach ../base f30647f && (cd ../base && npm ci)
 *   MEDIANS_BASE=../base npm run bench:medians
 *   MEDIANS_SEEDS=20 MEDIANS_FAULTS=virtio/oom-deadlock,xen/gfn-truncated npm run bench:medians
 *
 * Without MEDIANS_BASE it measures this tree alone. Writes bench/MEDIANS.md; with MEDIANS_FAULTS or
 * MEDIANS_SEEDS set it prints the table instead.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SEEDS = Number(process.env.MEDIANS_SEEDS ?? 100);
const FAULTS = new Set((process.env.MEDIANS_FAULTS ?? '').split(',').map((s) => s.trim()).filter(Boolean));
/** Unusable input: one line, exit 2, nothing written. */
const usage = (what: string): never => { process.stderr.write(`bench:medians: ${what}\n`); process.exit(2); };
/** One fault's runs to its first failing case, per seed (a seed that finds nothing counts the whole budget). */
type Row = { fault: string; runs: number[] };

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The measuring side: every fault of `root`'s families, through that tree's own modules (its
 * campaign arbitrary, its runner, its fast-check: arbitraries of one copy are not another's).
 * The campaign is the one bench/zoo.ts runs (the family's default suite and budget); a case
 * counts when the runner reports any failure, as the zoo's `stopAtFirst` does.
 */
async function measure(root: string): Promise<void> {
  const at = (p: string) => import(pathToFileURL(resolve(root, p)).href);
  const fc = (await at('node_modules/fast-check/lib/fast-check.js')).default;
  const { FAMILIES } = await at('properties/families.ts');
  const { campaignArb } = await at('properties/campaign.ts');
  const { runCase } = await at('properties/runner.ts');
  const { DEFAULT_RUNS } = await at('properties/defaults.ts');
  for (const family of FAMILIES) {
    for (const f of family.faults as (string | { name: string })[]) {
        const fault = typeof f === 'string' ? f : f.name;
      if (FAULTS.size > 0 && !FAULTS.has(`${family.name}/${fault}`)) continue;
      const factory = family.withFaults([fault]);
      const arb = campaignArb({ family: family.name, factory, properties: family.properties, runs: DEFAULT_RUNS, seed: 1 });
      const runs: number[] = [];
      for (let seed = 1; seed <= SEEDS; seed++) {
        let n = 0;
        fc.check(fc.property(arb, (c: { config: unknown; commands: unknown[] }) => {
          n++;
          return !runCase(factory, c.config, c.commands, family.properties, {}).failure;
        }), { seed, numRuns: DEFAULT_RUNS, endOnFailure: true });
        runs.push(n);
      }
      process.stdout.write(`${JSON.stringify({ fault: `${family.name}/${fault}`, runs } satisfies Row)}\n`);
    }
  }
}

function run(root: string): Promise<Row[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--tree', root], { stdio: ['ignore', 'pipe', 'inherit'] });
    const rows: Row[] = [];
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const l of lines) if (l) process.stderr.write(`${root === '.' ? 'this tree' : root}: ${(JSON.parse(l) as Row).fault}\n`);
      rows.push(...lines.filter(Boolean).map((l) => JSON.parse(l) as Row));
    });
    child.on('close', (code) => (code === 0 ? done(rows) : fail(new Error(`measuring ${root} exited with ${code}`))));
  });
}

const rev = (root: string) => {
  try { return execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { return root; }
};

async function main(): Promise<void> {
  const treeAt = process.argv.indexOf('--tree');
  if (treeAt >= 0) return measure(process.argv[treeAt + 1]);
  if (!Number.isInteger(SEEDS) || SEEDS < 1) usage(`MEDIANS_SEEDS must be a whole number of seeds, 1 or more (got ${JSON.stringify(process.env.MEDIANS_SEEDS)})`);
  const { FAMILIES } = await import('../properties/families.ts');
  const known = new Set(FAMILIES.flatMap((f) => f.faults.map((x) => `${f.name}/${x.name}`)));
  const unknown = [...FAULTS].filter((f) => !known.has(f));
  if (unknown.length > 0) usage(`MEDIANS_FAULTS names no fault of this tree: ${unknown.join(', ')} (family/fault, e.g. virtio/oom-deadlock)`);
  const base = process.env.MEDIANS_BASE;
  if (base !== undefined && !existsSync(resolve(base, 'properties/campaign.ts'))) usage(`MEDIANS_BASE ${base} is not a checkout of balloon-testbed with properties/campaign.ts`);
  if (base !== undefined && !existsSync(resolve(base, 'node_modules/fast-check'))) usage(`MEDIANS_BASE ${base} has no node_modules: run npm ci there first`);
  const [now, then] = await Promise.all([run('.'), base ? run(resolve(base)) : Promise.resolve([])]);
  const before = new Map(then.map((r) => [r.fault, r.runs]));
  const first = Math.min(20, SEEDS);
  const out: string[] = [
    '# Runs to detection at many seeds',
    '',
    `Machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}. This tree: ${rev('.')}${base ? `; baseline: ${rev(base)}` : ''}.`,
    `Each fault alone, its family's default suite, workload and budget, as bench/ZOO.md; seeds 1 to ${SEEDS}, no shrinking. Runs: cases until the first failing one. The counts depend on the seed only, not on the machine.`,
    `Medians over seeds 1-${first}${first === 20 ? " (bench/ZOO.md's)" : ''} and over 1-${SEEDS}; mean over 1-${SEEDS}. A fault new since the baseline has no baseline figures.`,
    '',
    `| fault | baseline 1-${first} | now 1-${first} | baseline 1-${SEEDS} | now 1-${SEEDS} | baseline mean | now mean |`,
    '|---|---|---|---|---|---|---|',
  ];
  const rose20: string[] = [], rose: string[] = [];
  for (const { fault, runs } of now) {
    const b = before.get(fault);
    const cell = (xs: readonly number[] | undefined, f: (x: readonly number[]) => number) => (xs ? String(Math.round(f(xs) * 10) / 10) : '');
    if (b && median(runs.slice(0, first)) > median(b.slice(0, first))) rose20.push(fault);
    if (b && median(runs) > median(b)) rose.push(fault);
    out.push(`| ${fault} | ${cell(b?.slice(0, first), median)} | ${cell(runs.slice(0, first), median)} | ${cell(b, median)} | ${cell(runs, median)} | ${cell(b, mean)} | ${cell(runs, mean)} |`);
  }
  if (base) {
    out.push('', `Above the baseline's median over seeds 1-${first}: ${rose20.length ? rose20.join(', ') : 'none'}.`,
      `Above the baseline's median over seeds 1-${SEEDS}: ${rose.length ? rose.join(', ') : 'none'}.`);
  }
  // Only the whole measurement is the file's: a run of some faults or seeds prints its table.
  if (FAULTS.size > 0 || process.env.MEDIANS_SEEDS !== undefined) { process.stdout.write(`${out.join('\n')}\n`); return; }
  writeFileSync('bench/MEDIANS.md', `${out.join('\n')}\n`);
  process.stderr.write(`wrote bench/MEDIANS.md (${now.length} faults)\n`);
}

await main();
