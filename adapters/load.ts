/**
 * Loading a user's implementation for `--impl MODULE`. The module is an ES module (.ts or .js,
 * resolved against the working directory) whose default export is a SystemFactory, or, when it
 * has no default export, whose export named `createSystem` is. It is imported (never eval'd),
 * then checked once on a small valid configuration: the factory builds a system, the system has
 * `config`, `apply` and `observe`, and its first observation has the shape core/virtio/observation.ts
 * describes. Each way this can fail is a UsageError of one line (exit 2 at the command line).
 *
 * @example
 *   const impl = await loadImplementation('examples/array-impl/index.ts');
 *   runCampaign({ factory: guardImplementation(impl), ... });
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeThrown, oneLine, systemConfig, type SystemConfig, type SystemFactory, type SystemUnderTest } from '../core/virtio/index.ts';
import { UsageError } from '../core/usage.ts';
import { describeValue, observationProblems } from './shape.ts';

export interface LoadedImplementation {
  factory: SystemFactory;
  /** For reports: 'reference', or the module's path relative to the working directory. */
  name: string;
  /** Absolute path of the module; null for the reference implementation. */
  modulePath: string | null;
  /** The export that holds the factory. */
  exportName: 'default' | 'createSystem';
}

/** The configuration a loaded factory is tried on once: the default two-guest system. */
export const PROBE_CONFIG: SystemConfig = deepFreeze(systemConfig());

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) deepFreeze(x);
  return Object.freeze(v);
}

/** The members every system must have, in the order they are checked. */
const MEMBERS = [['config', 'object'], ['apply', 'function'], ['observe', 'function']] as const;

/**
 * Load 'reference' or a module path in this thread; throws UsageError with one line when it is
 * not usable. The command line does not call this for a module: it loads it in the worker that
 * will run it (openImplementation), so that the module's own code never runs in the tool's thread.
 */
export async function loadImplementation(spec: string, cwd: string = process.cwd()): Promise<LoadedImplementation> {
  if (spec === 'reference') {
    // Imported here, not at the top: the worker loads this file and needs no reference implementation.
    const { createReferenceSystem } = await import('../impl/virtio/index.ts');
    return { factory: createReferenceSystem, name: 'reference', modulePath: null, exportName: 'default' };
  }
  const { path, name, fail } = resolveModule(spec, cwd);
  const { factory, exportName } = await importFactory(path, fail);
  await checkFactory(factory, fail);
  return { factory, name, modulePath: path, exportName };
}

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

/**
 * Build one system on PROBE_CONFIG and look at it; throws what `fail` makes of the first problem.
 * A factory, `observe` or `config` that returns a Promise is awaited (adapters may be
 * asynchronous when they run in the worker, docs/ADAPTERS.md).
 */
export async function checkFactory(factory: SystemFactory, fail: (what: string) => Error): Promise<void> {
  let sys: SystemUnderTest;
  try {
    sys = await factory(systemConfig()); // a copy of PROBE_CONFIG of its own, to change if it likes
  } catch (e) {
    throw fail(`the factory threw on a small valid configuration: ${firstLine(e)}`);
  }
  if (typeof sys !== 'object' || sys === null) throw fail(`the factory returned ${describeValue(sys)}, not a system`);
  for (const [member, type] of MEMBERS) {
    let v: unknown;
    try { v = (sys as unknown as Record<string, unknown>)[member]; } catch (e) {
      throw fail(`reading the system's \`${member}\` threw: ${firstLine(e)}`);
    }
    if (typeof v !== type || v === null) {
      throw fail(`the system lacks \`${member}\` (expected ${type === 'object' ? 'the SystemConfig it was built from' : 'a method'}, got ${describeValue(v)})`);
    }
  }
  let obs: unknown;
  try {
    obs = await sys.observe();
  } catch (e) {
    throw fail(`observe() threw: ${firstLine(e)}`);
  }
  const problems = observationProblems(obs, PROBE_CONFIG);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw fail(`observe() returned a malformed observation: ${problems[0]}${more}`);
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
