/**
 * Creating the folder traces are written to. Node 20's `mkdirSync(dir, { recursive: true })`
 * never returns for some paths that cannot be created (under /proc, for one), so folders are
 * made one level at a time, each level's error reported as it is.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Make `dir` and its missing parents; throws an Error whose message says what is wrong, in one line. */
export function ensureOutputDir(dir: string): void {
  const abs = resolve(dir);
  const missing: string[] = [];
  let p = abs;
  while (!existsSync(p)) {
    missing.unshift(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) throw new Error(`${dir}: ${p} is not a directory`);
  for (const m of missing) {
    try { mkdirSync(m); } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statSync(m).isDirectory()) continue;
      throw new Error(`${dir}: cannot create ${m} (${code ?? (e as Error).message})`);
    }
  }
}
