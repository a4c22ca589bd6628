/**
 * `npm run bench:stubs`: every vacuous implementation, of every family that has them (virtio:
 * test/fixtures/stubs/, Xen: test/fixtures/stubs/xen/), over 20 seeds, with the family's default
 * suite and budget: found or not, by which property, after how many runs. A Xen stub is loaded
 * as `--impl MODULE --family xen` loads it (probed, shape-checked), in-process. Writes
 * bench/STUBS.md. The CI test (test/properties/stubs.test.ts) tries the first 5 seeds.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { guardImplementation, loadImplementation } from '../adapters/index.ts';
import type { SystemFactory } from '../core/virtio/index.ts';
import { allProperties } from '../properties/index.ts';
import { familyByName } from '../properties/families.ts';
import type { AnyProperty } from '../properties/property.ts';
import { runCampaign } from '../properties/campaign.ts';
import { DEFAULT_RUNS } from '../properties/defaults.ts';
import { STUBS } from '../test/fixtures/stubs/index.ts';
import { XEN_STUBS } from '../test/fixtures/stubs/xen/index.ts';

const SEEDS = Array.from({ length: Number(process.env.STUB_SEEDS ?? 20) }, (_, i) => i + 1);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

interface Row { family: string; name: string; leaves: string; factory: SystemFactory; properties: readonly AnyProperty[] }

const xen = familyByName('xen');
const table: Row[] = [
  ...STUBS.map((s) => ({ family: 'virtio', name: s.name, leaves: s.leaves, factory: s.factory, properties: allProperties })),
  ...await Promise.all(XEN_STUBS.map(async (s) => ({
    family: 'xen', name: s.name, leaves: s.leaves, properties: xen.properties,
    factory: guardImplementation(await loadImplementation(s.path, process.cwd(), xen), { stepTimeoutMs: 0 }),
  }))),
];

const rows: string[] = [];
let missed = 0;
const t0 = performance.now();
for (const stub of table) {
  const runs: number[] = [];
  const props = new Map<string, number>();
  for (const seed of SEEDS) {
    const r = runCampaign({ family: stub.family, factory: stub.factory, properties: stub.properties, runs: DEFAULT_RUNS, seed, stopAtFirst: true });
    const cx = r.counterexamples[0];
    if (!cx) continue;
    runs.push(cx.runsBeforeFailure);
    props.set(cx.property, (props.get(cx.property) ?? 0) + 1);
  }
  missed += SEEDS.length - runs.length;
  const by = [...props].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} (${n})`).join(', ');
  rows.push(`| ${stub.family} | ${stub.name} | ${stub.leaves} | ${runs.length}/${SEEDS.length} | ${runs.length ? median(runs) : '-'} | ${runs.length ? Math.max(...runs) : '-'} | ${by} |`);
  process.stderr.write(`${stub.family} ${stub.name}: found ${runs.length}/${SEEDS.length} (${by})\n`);
}
const out = [
  '# Vacuous implementations: caught by the general properties',
  '',
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  `Each stub alone (virtio: test/fixtures/stubs/, ${allProperties.length} properties; Xen: test/fixtures/stubs/xen/, ${xen.properties.length} properties, loaded as \`--impl\` loads a module), the family's default workload and budget (${DEFAULT_RUNS.toLocaleString('en-US')} runs), seeds 1 to ${SEEDS.length}, stopping at the first failure. Runs: cases until the first failing one. Total wall time ${((performance.now() - t0) / 1000).toFixed(0)} s, shrinking included.`,
  '',
  '| family | stub | leaves out | found | runs (median) | runs (max) | found by |',
  '|---|---|---|---|---|---|---|',
  ...rows,
  '',
  missed === 0 ? 'Every stub was caught on every seed.' : `${missed} stub/seed pairs were NOT caught.`,
  '',
  'Rerun: `npm run bench:stubs` (STUB_SEEDS sets the number of seeds).',
  '',
];
writeFileSync(new URL('./STUBS.md', import.meta.url), out.join('\n'));
process.stderr.write('wrote bench/STUBS.md\n');
