/**
 * The module side of loading a user's implementation, with nothing of the family registry: where
 * `--impl` points, importing it, and building one system to look at. The worker thread that runs
 * the module (adapters/worker.ts) uses these; adapters/load.ts judges what they return.
 * @internal
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeThrown, oneLine, type SystemConfig, type SystemFactory, type SystemUnderTest } from '../core/virtio/index.ts';
import { UsageError } from '../core/usage.ts';
import { describeValue } from '../core/shape.ts';
import { RemoteError } from './faults.ts';

/** The members every system must have, in the order they are checked. */
const MEMBERS = [['config', 'object'], ['apply', 'function'], ['observe', 'function']] as const;

/** Where `--impl SPEC` points; throws UsageError when there is no such file. */
export function resolveModule(spec: string, cwd: string = process.cwd()): { path: string; name: string; fail: (what: string) => UsageError } {
  const path = resolve(cwd, spec);
  const name = relative(cwd, path) || spec;
  // Errors echo the argument as the user typed it; `name` (relative to cwd) is what traces record.
  const fail = (what: string) => new UsageError(`--impl ${spec}: ${what}`);
  if (!existsSync(path) || !statSync(path).isFile()) throw fail(`module not found (${path})`);
  return { path, name, fail };
}

/** Import the module at `path` and pick its factory: the default export, else `createSystem`. */
export async function importFactory(path: string, fail: (what: string) => Error): Promise<{ factory: SystemFactory; exportName: 'default' | 'createSystem' }> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(path);
  } catch (e) {
    throw fail(`failed to load: ${firstLine(e)}`);
  }
  const exportName = mod.default !== undefined ? 'default' : mod.createSystem !== undefined ? 'createSystem' : null;
  if (!exportName) {
    throw fail('no default export and no export named createSystem; export the SystemFactory as one of them');
  }
  const factory = mod[exportName];
  if (typeof factory !== 'function') {
    throw fail(`the ${exportName} export is not a function (a SystemFactory), it is ${describeValue(factory)}`);
  }
  return { factory: factory as SystemFactory, exportName };
}

/** A problem of the module found while probing it, before `fail` names the module. */
export const refusal = (what: string) => new UsageError(what);
export const isRefusal = (e: unknown): e is Error => e instanceof UsageError || (e instanceof RemoteError && e.name === 'UsageError');

/**
 * Build one system on `config` (a copy of its own, to change if it likes), check its members and
 * observe it once; its first observation. Throws a UsageError of one line (without the module's
 * name) for each way this fails. The worker runs this for `--impl` (adapters/worker.ts).
 */
export async function probeSystem(factory: SystemFactory, config: unknown): Promise<unknown> {
  let sys: SystemUnderTest;
  try {
    sys = await factory(structuredClone(config) as SystemConfig);
  } catch (e) {
    throw refusal(`the factory threw on a small valid configuration: ${firstLine(e)}`);
  }
  if (typeof sys !== 'object' || sys === null) throw refusal(`the factory returned ${describeValue(sys)}, not a system`);
  for (const [member, type] of MEMBERS) {
    let v: unknown;
    try { v = (sys as unknown as Record<string, unknown>)[member]; } catch (e) {
      throw refusal(`reading the system's \`${member}\` threw: ${firstLine(e)}`);
    }
    if (typeof v !== type || v === null) {
      throw refusal(`the system lacks \`${member}\` (expected ${type === 'object' ? 'the SystemConfig it was built from' : 'a method'}, got ${describeValue(v)})`);
    }
  }
  try {
    return await sys.observe();
  } catch (e) {
    throw refusal(`observe() threw: ${firstLine(e)}`);
  }
}

/**
 * One line for whatever a module threw: its message (with the error's name unless it is plain
 * `Error`), or for a syntax error the file, line, column and reason that tsx (esbuild) puts on
 * the lines after "Transform failed with 1 error:".
 */
export function firstLine(e: unknown): string {
  const text = describeThrown(e).replace(/^Error: /, '');
  let full = '';
  try { full = e instanceof Error && typeof e.message === 'string' ? e.message : ''; } catch { /* a throwing getter: keep `text` */ }
  const located = /^Transform failed with \d+ errors?:\s*\n(.+?):(\d+):(\d+): (?:ERROR: )?(.*)/.exec(full);
  if (located) return oneLine(`syntax error at ${located[1]}:${located[2]}:${located[3]}: ${located[4]}`);
  return text;
}

/** This file runs as compiled JavaScript (the installed package), not through tsx or vitest. */
const COMPILED = import.meta.url.endsWith('.js');
const TYPESCRIPT = /\.[cm]?tsx?$/;

/**
 * Import a user's module. Run from the sources, tsx is registered for the whole process (bin/,
 * worker-entry.js) and a plain import loads TypeScript. Run compiled (this file is load.js in the
 * package's dist/), nothing is registered: a module in TypeScript is imported through tsx's
 * scoped `tsImport`, which transpiles that module and what it imports and leaves the tool's own
 * modules alone.
 */
async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (COMPILED && TYPESCRIPT.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    return await tsImport(url, import.meta.url) as Record<string, unknown>;
  }
  return await import(url) as Record<string, unknown>;
}
