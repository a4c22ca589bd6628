/**
 * What the viewer's tests compare the page with: the observation after every step of a replay,
 * copied (observations are live views), taken by wrapping the implementation independently of
 * viewer/ (no deltas, no keyframes).
 */
import type { SystemFactory } from '../../core/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { conformance } from '../../properties/conformance.ts';
import { factoryForTrace, loadTrace, replayTrace, type Trace } from '../../traces/index.ts';

export interface Snap { owner: number[]; ownerGpfn: number[]; pageState: number[][]; hostBallooned: number[][]; p2m: number[][] }

export function observedSteps(file: string): { trace: Trace; snaps: Snap[] } {
  const trace = loadTrace(file);
  const base = factoryForTrace(trace, file);
  const snaps: Snap[] = [];
  let first = true;
  const factory: SystemFactory = (cfg) => {
    const sys = base(cfg);
    if (!first) return sys;
    first = false;
    return {
      config: sys.config,
      observe: () => sys.observe(),
      apply(c) {
        const r = sys.apply(c);
        const o = sys.observe();
        snaps.push({
          owner: [...o.host.owner], ownerGpfn: [...o.host.ownerGpfn],
          pageState: o.guests.map((g) => Array.from(g.pageState)), hostBallooned: o.guests.map((g) => Array.from(g.hostBallooned)), p2m: o.guests.map((g) => Array.from(g.p2m)),
        });
        return r;
      },
    };
  };
  replayTrace(trace, { factory, properties: allProperties, conformance, file });
  return { trace, snaps };
}
