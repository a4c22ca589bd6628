// `npm run build` (also run by `npm pack` and `npm publish`, through prepack): compile the
// library, the command line and what they load at run time into dist/ (tsconfig.build.json),
// from scratch so no stale file is packed, then copy beside the compiled code the files tsc
// does not emit that it finds relative to import.meta.url, as it does beside its source:
//   adapters/worker-entry.js  the worker thread's entry (adapters/worker-host.ts)
//   viewer/page-script.js     the trace viewer's script, read as text (viewer/page.ts)
//   cli/campaign/worker-entry.js  the campaign pool's worker thread entry (cli/campaign/pool.ts)
//   cli/explore/worker-entry.js   the entry of `balloon explore --workers`'s threads (cli/explore/parallel.ts)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const ASSETS = ['adapters/worker-entry.js', 'viewer/page-script.js', 'cli/campaign/worker-entry.js', 'cli/explore/worker-entry.js'];

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
} catch {
  process.stderr.write('build: tsc failed (its errors are above)\n');
  process.exit(1);
}
for (const file of ASSETS) {
  const to = join(dist, file);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, file), to);
}
