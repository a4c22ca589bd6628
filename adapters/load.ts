/**
 * Loading a user's implementation for `--impl MODULE`. The module is an ES module (.ts or .js,
 * resolved against the working directory) whose default export is a SystemFactory, or, when it
 * has no default export, whose export named `createSystem` is. It is imported (never eval'd),
 * then checked once on a small valid configuration: the factory builds a system, the system has
 * `config`, `apply` and `observe`, and its first observation has the shape core/observation.ts
 * describes. Each way this can fail is a UsageError of one line (exit 2 at the command line).
 *
 * @example
 *   const impl = await loadImplementation('examples/array-impl/index.ts');
 *   runCampaign({ factory: guardImplementation(impl), ... });
 */
import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemConfig, type SystemFactory, type SystemUnderTest } from '../core/index.ts';
import { createReferenceSystem } from '../impl/index.ts';
import { UsageError } from '../cli/errors.ts';
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
export const PROBE_CONFIG = systemConfig();

/** The members every system must have, in the order they are checked. */
const MEMBERS = [['config', 'object'], ['apply', 'function'], ['observe', 'function']] as const;

/** Load 'reference' or a module path; throws UsageError with one line when it is not usable. */
export async function loadImplementation(spec: string, cwd: string = process.cwd()): Promise<LoadedImplementation> {
  if (spec === 'reference') {
    return { factory: createReferenceSystem, name: 'reference', modulePath: null, exportName: 'default' };
  }
  const path = resolve(cwd, spec);
  const name = relative(cwd, path) || spec;
  // Errors echo the argument as the user typed it; `name` (relative to cwd) is what traces record.
  const fail = (what: string) => new UsageError(`--impl ${spec}: ${what}`);
  if (!existsSync(path) || !statSync(path).isFile()) throw fail(`module not found (${path})`);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(path).href) as Record<string, unknown>;
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
  checkFactory(factory as SystemFactory, fail);
  return { factory: factory as SystemFactory, name, modulePath: path, exportName };
}

/** Build one system on PROBE_CONFIG and look at it; throws what `fail` makes of the first problem. */
export function checkFactory(factory: SystemFactory, fail: (what: string) => Error): void {
  let sys: SystemUnderTest;
  try {
    sys = factory(PROBE_CONFIG);
  } catch (e) {
    throw fail(`the factory threw on a small valid configuration: ${firstLine(e)}`);
  }
  if (typeof sys !== 'object' || sys === null) throw fail(`the factory returned ${describeValue(sys)}, not a system`);
  for (const [member, type] of MEMBERS) {
    const v = (sys as unknown as Record<string, unknown>)[member];
    if (typeof v !== type || v === null) {
      throw fail(`the system lacks \`${member}\` (expected ${type === 'object' ? 'the SystemConfig it was built from' : 'a method'}, got ${describeValue(v)})`);
    }
  }
  let obs: unknown;
  try {
    obs = sys.observe();
  } catch (e) {
    throw fail(`observe() threw: ${firstLine(e)}`);
  }
  const problems = observationProblems(obs, PROBE_CONFIG);
  if (problems.length > 0) {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw fail(`observe() returned a malformed observation: ${problems[0]}${more}`);
  }
}

/** The first line of an error's message: one line at the edge, whatever the module threw. */
export function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}` : String(e);
  return text.split('\n')[0].trim() || '(no message)';
}
