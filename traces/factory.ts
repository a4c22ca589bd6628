/**
 * Which implementation a trace replays on. A trace file names one (`impl`, `faults`) but never
 * causes code to be loaded by itself: `reference` is built in, and a module path is only imported
 * when the person running replay names the same module (`--impl`), since a trace may come from
 * anywhere.
 */
import type { SystemFactory } from '../core/virtio/index.ts';
import { createReferenceSystem, faultNames, referenceWithFaults, type FaultName } from '../impl/virtio/index.ts';
import { TraceError } from './errors.ts';
import { REFERENCE_IMPL, type Trace } from './format.ts';

/** Named faults this build's reference implementation knows (the bug zoo, impl/virtio/faults.ts). */
export const KNOWN_FAULTS: readonly string[] = faultNames;

/**
 * The reference implementation with the trace's faults applied.
 * @throws TraceError naming `faults[i]` for a fault this build does not know.
 */
export function referenceFactory(faults: readonly string[], file = '(trace)'): SystemFactory {
  faults.forEach((f, i) => {
    if (!KNOWN_FAULTS.includes(f)) {
      const known = KNOWN_FAULTS.length ? `known: ${KNOWN_FAULTS.join(', ')}` : 'this build has no named faults';
      throw new TraceError(file, `faults[${i}]`, `unknown fault "${f}" (${known})`);
    }
  });
  return faults.length === 0 ? createReferenceSystem : referenceWithFaults(faults as FaultName[]);
}

/**
 * The factory to replay `trace` with: the reference implementation (with faults), or `adapter`
 * (a factory the caller loaded from a module the user named).
 * @throws TraceError when the trace names an adapter and none was given.
 */
export function factoryForTrace(trace: Trace, file: string, adapter?: { path: string; factory: SystemFactory }): SystemFactory {
  if (adapter) {
    if (trace.faults.length > 0) throw new TraceError(file, 'faults', `faults apply to the reference implementation only; --impl ${adapter.path} was given`);
    return adapter.factory;
  }
  if (trace.impl !== REFERENCE_IMPL) {
    throw new TraceError(file, 'impl', `the trace was recorded on ${JSON.stringify(trace.impl)}; a trace never loads code by itself, pass --impl ${trace.impl} to replay it there`);
  }
  return referenceFactory(trace.faults, file);
}
