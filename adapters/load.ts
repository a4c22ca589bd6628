/**
 * Loading a user's implementation for `--impl MODULE`. The module is an ES module (.ts or .js,
 * resolved against the working directory) whose default export is a SystemFactory, or, when it
 * has no default export, whose export named `createSystem` is. It is imported (never eval'd),
 * then checked once on the family's small default configuration: the factory builds a system,
 * the system has `config`, `apply` and `observe`, and its first observation has the family's
 * shape (`Family.shape`). A module of another family is named as such (it is tried on that
 * family's configuration too). Each way this can fail is a UsageError of one line (exit 2 at the
 * command line).
 *
 * @example
 *   const impl = await loadImplementation('examples/array-impl/index.ts');
 *   runCampaign({ factory: guardImplementation(impl), ... });
 */
import { systemConfig, type SystemConfig, type SystemFactory } from '../core/virtio/index.ts';
import { FAMILIES } from '../properties/families.ts';
import type { AnyFamily } from '../properties/family.ts';
import { importFactory, isRefusal, probeSystem, resolveModule } from './module.ts';

export { firstLine, importFactory, probeSystem, resolveModule } from './module.ts';

export interface LoadedImplementation {
  factory: SystemFactory;
  /** For reports: 'reference', or the module's path relative to the working directory. */
  name: string;
  /** Absolute path of the module; null for the reference implementation. */
  modulePath: string | null;
  /** The export that holds the factory. */
  exportName: 'default' | 'createSystem';
  /** The protocol family it implements (properties/families.ts), whose shape is checked on every step; absent: the first registered. */
  family?: AnyFamily;
}

/** The configuration a loaded virtio factory is tried on once: the default two-guest system (`Family.defaultConfig`). */
export const PROBE_CONFIG: SystemConfig = deepFreeze(systemConfig());

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) deepFreeze(x);
  return Object.freeze(v);
}

/**
 * Load 'reference' or a module path in this thread; throws UsageError with one line when it is
 * not usable. The command line does not call this for a module: it loads it in the worker that
 * will run it (openImplementation), so that the module's own code never runs in the tool's thread.
 */
export async function loadImplementation(spec: string, cwd: string = process.cwd(), family: AnyFamily = FAMILIES[0]): Promise<LoadedImplementation> {
  if (spec === 'reference') return { factory: family.reference as SystemFactory, name: 'reference', modulePath: null, exportName: 'default', family };
  const { path, name, fail } = resolveModule(spec, cwd);
  const { factory, exportName } = await importFactory(path, fail);
  await checkFactory(factory, fail, family);
  return { factory, name, modulePath: path, exportName, family };
}


/**
 * Build one system of `family` on its default configuration and look at it; throws what `fail`
 * makes of the first problem. A factory, `observe` or `config` that returns a Promise is awaited
 * (adapters may be asynchronous when they run in the worker, docs/ADAPTERS.md).
 */
export async function checkFactory(factory: SystemFactory, fail: (what: string) => Error, family: AnyFamily = FAMILIES[0]): Promise<void> {
  await probeFamily((config) => probeSystem(factory, config), family, fail);
}

/**
 * Probe a module as `family` (`probe(config)` builds one system and returns its first
 * observation, in this thread or in the worker) and judge the observation by the family's shape.
 * A module of another family is said to be one, in one line naming the field that tells: its
 * observation carries that family's own guest field, or it refuses this family's configuration and
 * builds on that family's.
 */
export async function probeFamily(probe: (config: unknown) => unknown, family: AnyFamily, fail: (what: string) => Error): Promise<void> {
  const config = family.defaultConfig();
  let obs: unknown;
  try {
    obs = await probe(config);
  } catch (e) {
    if (!isRefusal(e)) throw e;
    const other = await builtAsOther(probe, family);
    if (other) throw fail(`the module implements the ${other.name} family, not ${family.name}: ${e.message.startsWith('the factory threw') ? 'its factory threw' : 'it failed'} on ${family.name}'s configuration and built on ${other.name}'s a system whose observation has guests[0].${other.shape.guestField}; name its family with --family ${other.name}`);
    throw fail(e.message);
  }
  const problems = family.shape.observationProblems(obs, config);
  if (problems.length === 0) return;
  const g0 = firstGuest(obs);
  const other = g0 && !(family.shape.guestField in g0) ? FAMILIES.find((f) => f !== family && f.shape.guestField in g0) : undefined;
  if (other) {
    throw fail(`the module implements the ${other.name} family, not ${family.name}: its observation has guests[0].${other.shape.guestField} (${other.name}'s) and no guests[0].${family.shape.guestField}; name its family with --family ${other.name}`);
  }
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw fail(`observe() returned a malformed observation: ${problems[0]}${more}`);
}

function firstGuest(obs: unknown): Record<string, unknown> | null {
  const g = (obs as { guests?: unknown } | null)?.guests;
  const g0: unknown = Array.isArray(g) ? g[0] : undefined;
  return typeof g0 === 'object' && g0 !== null ? g0 as Record<string, unknown> : null;
}

/** The other family, if any, on whose default configuration the module builds a system of that family's shape. */
async function builtAsOther(probe: (config: unknown) => unknown, family: AnyFamily): Promise<AnyFamily | undefined> {
  for (const f of FAMILIES) {
    if (f === family) continue;
    const config = f.defaultConfig();
    try {
      if (f.shape.observationProblems(await probe(config), config).length === 0) return f;
    } catch {
      // Not that family either (it refused, hung or crashed): the first problem is the one to report.
    }
  }
  return undefined;
}

