// Shared fixtures for the trace tests: a small valid trace, temporary directories, and the
// command line run in-process with its output captured.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, vi } from 'vitest';
import { guestId, systemConfig, type Command } from '../../core/virtio/index.ts';
import { main } from '../../cli/main.ts';
import { buildTrace } from '../../traces/build.ts';
import type { Trace } from '../../traces/format.ts';

const g = guestId;

/** Inflate 16 pages in guest 0, deflate 12 of them, touch guest 1's memory. */
export const SMALL_COMMANDS: Command[] = [
  { kind: 'set-target', guest: g(0), pages: 16 },
  { kind: 'driver', guest: g(0) },
  { kind: 'device', guest: g(0), queue: 'inflate' },
  { kind: 'driver', guest: g(0) },
  { kind: 'alloc', guest: g(1), pages: 4, pick: 3 },
  { kind: 'write', guest: g(1), pick: 1 },
  { kind: 'read', guest: g(1), pick: 1 },
  { kind: 'set-target', guest: g(0), pages: 4 },
  { kind: 'driver', guest: g(0) },
  { kind: 'device', guest: g(0), queue: 'deflate' },
  { kind: 'driver', guest: g(0) },
];

export function smallTrace(over: Partial<Trace> = {}): Trace {
  return {
    ...buildTrace({ config: systemConfig(), commands: SMALL_COMMANDS, properties: ['frames-conserved', 'no-double-mapping'], failure: null }),
    ...over,
  };
}

const dirs: string[] = [];
/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'balloon-traces-'));
  dirs.push(d);
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** Write `text` (or JSON of a value) to `<dir>/<name>` and return the path. */
export function writeFile(dir: string, name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Run `balloon <args>` in-process; returns the exit code and what it printed. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { stdout += String(s); return true; });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
