/**
 * Which implementation a trace replays on. A trace file names one (`source`) but never
 * causes code to be loaded by itself: `reference` is built in, and a module path is only imported
 * when the person running replay names the same module (`--impl`), since a trace may come from
 * anywhere.
 */
import type { SystemFactory } from '../core/virtio/index.ts';
import { familyByName, FAMILIES } from '../properties/families.ts';
import { TraceError } from './errors.ts';
import type { Trace } from './format.ts';

/**
 * The reference implementation with the trace's faults applied.
 * @throws TraceError naming `source.faults[i]` for a fault this build does not know.
 */
export function referenceFactory(faults: readonly string[], file = '(trace)', familyName: string = FAMILIES[0].name): SystemFactory {
  const family = familyByName(familyName);
  const known = family.faults.map((f) => f.name);
  faults.forEach((f, i) => {
    if (!known.includes(f)) {
      throw new TraceError(file, `source.faults[${i}]`, `unknown ${family.name} fault ${JSON.stringify(f)} (known: ${known.join(', ')})`);
    }
  });
  return faults.length === 0 ? family.reference : family.withFaults(faults);
}

/**
 * The factory to replay `trace` with: the reference implementation (with faults), or `adapter`
 * (a factory the caller loaded from a module the user named).
 * @throws TraceError when the trace names an adapter and none was given.
 */
export function factoryForTrace(trace: Trace, file: string, adapter?: { path: string; factory: SystemFactory }): SystemFactory {
  const s = trace.source;
  if (adapter) {
    if (s.kind === 'reference' && s.faults.length > 0) throw new TraceError(file, 'source.faults', `faults apply to the reference implementation only; --impl ${adapter.path} was given`);
    return adapter.factory;
  }
  if (s.kind === 'adapter') {
    throw new TraceError(file, 'source.module', `the trace was recorded on ${JSON.stringify(s.module)}; a trace never loads code by itself, pass --impl ${s.module} to replay it there`);
  }
  // A model trace names no implementation: the reference one stands in for it (section 1 of
  // docs/TRACES.md: replay always runs an implementation, with the model alongside).
  return referenceFactory(s.kind === 'reference' ? s.faults : [], file, trace.family);
}
