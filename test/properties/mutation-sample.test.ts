// The suite's power, in CI: a fixed sample of mutants of impl/ (bench/mutation-sample.json,
// chosen from a full `npm run mutate` by bench/mutation-sample.ts) that the property suite
// killed when measured. Each is applied as a one-line patch to a temporary copy of impl/ and
// judged like Stryker judges it (the whole suite, 300 runs, seed 1). A change that blinds a
// property lets one of them live, and this fails. Cheaper than Stryker in CI: no sandbox, no
// dry run, each mutant one in-process campaign of about 2 s.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SystemFactory } from '../../core/virtio/index.ts';
import { allProperties, familyByName } from '../../properties/index.ts';
import { runCampaign } from '../../properties/campaign.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const Sample = z.object({
  measured: z.string(),
  // The sample's kill rate when measured, which it must keep: every mutant in it died then.
  killRateThreshold: z.literal(1),
  mutants: z.array(z.object({
    file: z.string().startsWith('impl/'), line: z.number(), mutator: z.string(),
    before: z.string(), after: z.string(), killedBy: z.array(z.string()).min(1),
  })).min(1),
});
const sample = Sample.parse(JSON.parse(readFileSync(join(ROOT, 'bench/mutation-sample.json'), 'utf8')));
const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** A copy of impl/ with one line replaced; core/ is linked, so the copy shares its types and ids. */
async function mutantFactory(m: (typeof sample.mutants)[number]): Promise<SystemFactory> {
  const dir = mkdtempSync(join(tmpdir(), 'balloon-mutant-'));
  dirs.push(dir);
  cpSync(join(ROOT, 'impl'), join(dir, 'impl'), { recursive: true });
  symlinkSync(join(ROOT, 'core'), join(dir, 'core'), 'dir');
  const path = join(dir, m.file);
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.flatMap((l, i) => (l === m.before ? [i] : []));
  // impl/ changed under the sample: choose it again from a fresh run (bench/mutation-sample.ts).
  expect(at, `${m.file}: the line "${m.before.trim()}" is no longer there exactly once`).toHaveLength(1);
  lines[at[0]] = m.after;
  writeFileSync(path, lines.join('\n'));
  // A family's own file (impl/<family>/) is judged by that family's reference and properties, as
  // bench/mutate.sh judges it (--family); the shared files by virtio's, as before.
  if (familyOf(m.file) === 'xen') {
    const mod = await import(pathToFileURL(join(dir, 'impl/xen/index.ts')).href) as { createXenReference: SystemFactory };
    return mod.createXenReference;
  }
  const mod = await import(pathToFileURL(join(dir, 'impl/virtio/index.ts')).href) as { createReferenceSystem: SystemFactory };
  return mod.createReferenceSystem;
}

/** The family whose folder holds a mutated file (impl/<family>/...), virtio for the shared files. */
const familyOf = (file: string) => /^impl\/([^/]+)\//.exec(file)?.[1] ?? 'virtio';

describe(`mutation sample measured ${sample.measured}: the suite still kills every mutant`, () => {
  it.each(sample.mutants.map((m) => [`${m.file}:${m.line} ${m.mutator} (${m.killedBy.join(', ')})`, m] as const))('%s', async (_name, m) => {
    const factory = await mutantFactory(m);
    const family = familyOf(m.file);
    const properties = family === 'virtio' ? allProperties : familyByName(family).properties;
    const r = runCampaign({ family, factory, properties, runs: 300, seed: 1, maxCommands: 80, stopAtFirst: true });
    expect(r.counterexamples.length, `the suite no longer kills this mutant (killed by ${m.killedBy.join(', ')} when measured)`).toBeGreaterThan(0);
  });
});
