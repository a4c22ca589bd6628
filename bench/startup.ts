/**
 * `npm run bench:startup`: how long `balloon --help` takes to start, from the sources through tsx
 * (what bin/balloon.js runs in a clone, and what every install ran before issue 25) against the
 * compiled package (what bin/balloon.js runs once installed: dist/cli/main.js, no tsx), with bare
 * `node` as the floor. The three are timed side by side in one run, interleaved round by round,
 * so that the machine's load falls on all of them alike; the ratios are the result, the absolute
 * times are this machine's. Builds dist/ first when it is missing. Writes bench/STARTUP.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.STARTUP_ROUNDS ?? 15);
const compiledMain = join(ROOT, 'dist', 'cli', 'main.js');
if (!existsSync(compiledMain)) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

const WAYS: { name: string; args: string[] }[] = [
  { name: 'sources through tsx (bin/balloon.js in a clone)', args: [join(ROOT, 'bin', 'balloon.js'), '--help'] },
  { name: 'compiled (dist/cli/main.js, as installed)', args: ['--input-type=module', '-e', `const { main } = await import(${JSON.stringify(compiledMain)}); process.exitCode = await main(['--help']);`] },
  { name: 'bare node (the floor)', args: ['-e', '0'] },
];

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const times = WAYS.map(() => [] as number[]);
for (let round = 0; round < ROUNDS; round++) {
  WAYS.forEach((w, i) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, w.args, { cwd: ROOT, encoding: 'utf8' });
    const ms = performance.now() - t0;
    if (r.status !== 0 || (i < 2 && !r.stdout.includes('Usage: balloon'))) throw new Error(`${w.name}: exit ${r.status}: ${r.stderr.split('\n')[0]}`);
    times[i].push(ms);
  });
}
const med = times.map(median);
const rows = WAYS.map((w, i) => `| ${w.name} | ${med[i].toFixed(0)} | ${Math.min(...times[i]).toFixed(0)} | ${(med[i] / med[1]).toFixed(2)} |`);
const out = [
  '# Start-up of `balloon --help`: compiled against tsx',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, shared with other work. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `${ROUNDS} rounds, each running the three once in turn (npm run bench:startup). Times are wall clock per process, ms.`,
  '',
  '| how | median ms | best ms | median / compiled |',
  '|---|---|---|---|',
  ...rows,
  '',
  `Compiled starts ${(med[0] / med[1]).toFixed(1)} times as fast as through tsx here; above bare node it spends ${(med[1] - med[2]).toFixed(0)} ms (loading the modules), against ${(med[0] - med[2]).toFixed(0)} ms through tsx (loading tsx and transpiling the sources, from its cache when warm).`,
  '',
].join('\n');
writeFileSync(join(ROOT, 'bench', 'STARTUP.md'), out);
process.stdout.write(out);
