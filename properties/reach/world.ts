/**
 * Situations every family has, read from the world's effects (core/world.ts): the work the shared
 * properties need (a frame released, a read of something written, a touch while a balloon is held,
 * a reset, a target above zero), and one situation per refusal code. A family's catalogue lists
 * these beside its chains and limits, and its counter calls `worldStep` on every step.
 */
import type { StepContext } from '../property.ts';
import type { Situation } from './situation.ts';

export const WORLD_WORK: readonly Situation[] = [
  { name: 'any-step', group: 'work', doc: 'the case ran at least one command (every step is judged by conformance and the command contract)' },
  { name: 'frame-mapped', group: 'work', doc: 'a frame was mapped to a gpfn (invariants 1 and 2 have something to check)' },
  { name: 'frame-released', group: 'work', doc: 'the host took a frame back from a guest (invariants 1, 2 and 4)' },
  { name: 'actual-written', group: 'work', doc: 'the driver reported the balloon\'s size (invariant 6)' },
  { name: 'target-nonzero', group: 'work', doc: 'the host asked for a balloon (virtio) or a size (Xen) other than the start, accepted: liveness has something to reach' },
  { name: 'reset', group: 'work', doc: 'a guest was reset (reconvergence)' },
  { name: 'hostile', group: 'work', doc: 'a hostile request was sent (invariant 7)' },
  { name: 'touch-with-balloon', group: 'work', doc: 'the guest touched memory (alloc, write, read) while its balloon held pages (invariant 3)' },
  { name: 'read-after-write', group: 'work', doc: 'the guest read a page after it had written one (the data oracle)' },
  { name: 'two-guests', group: 'work', doc: 'a step acted in a system of two or more guests (isolation, invariant 9)' },
];

/**
 * What gives each shared property (properties/safety/, properties/liveness/, written on the world)
 * something to check, as WORLD_WORK situations: the same in every family that runs it.
 */
export const SHARED_PROPERTY_WORK: Readonly<Record<string, readonly string[]>> = {
  'no-double-mapping': ['frame-mapped', 'frame-released'],
  'frames-conserved': ['frame-mapped', 'frame-released'],
  'balloon-pages-untouched': ['touch-with-balloon'],
  'data-oracle': ['read-after-write'],
  'host-drops-only-ballooned': ['frame-released'],
  'counters-match': ['actual-written'],
  'isolation': ['two-guests'],
  'floors-and-targets': ['target-nonzero'],
  'progress': ['target-nonzero'],
};

/** SHARED_PROPERTY_WORK of the shared properties `names` (a family's work map starts with it). */
export function sharedWork(...names: string[]): Record<string, readonly string[]> {
  return Object.fromEntries(names.map((n) => {
    const w = SHARED_PROPERTY_WORK[n];
    if (!w) throw new RangeError(`${n} is not a shared property with work in SHARED_PROPERTY_WORK`);
    return [n, w];
  }));
}

/** WORLD_WORK with the situations a family cannot reach marked so, each with its reason (Hyper-V has no reset, for one). */
export function worldWork(unreachable: Readonly<Record<string, string>> = {}): Situation[] {
  return WORLD_WORK.map((s) => (unreachable[s.name] ? { ...s, unreachable: unreachable[s.name] } : s));
}

/** One situation per refusal code of the family, `refused:<code>`; `unreachable` gives the codes its workload cannot cause, with why. */
export function errorSituations(codes: Readonly<Record<string, string>>, unreachable: Readonly<Record<string, string>> = {}): Situation[] {
  return Object.entries(codes).map(([code, doc]) => ({
    name: `refused:${code}`, group: 'error', doc: `a refusal with ${code}: ${doc}`, ...(unreachable[code] ? { unreachable: unreachable[code] } : {}),
  }));
}

/** Marks the WORLD_WORK situations and refusal codes; `at` is the catalogue's index (situationIndex). */
export class WorldWorkCounter {
  private readonly wrote: Uint8Array;
  private readonly i: Record<string, number>;
  private readonly refused = new Map<string, number>();

  constructor(guests: number, private readonly hit: Uint8Array, at: (name: string) => number, codes: readonly string[]) {
    this.wrote = new Uint8Array(guests);
    this.i = Object.fromEntries(WORLD_WORK.map((s) => [s.name, at(s.name)]));
    for (const c of codes) this.refused.set(c, at(`refused:${c}`));
    this.twoGuests = guests >= 2;
  }

  private readonly twoGuests: boolean;

  /** The step's refusal code, if any, and any codes it refused inside a request (family-specific lists). */
  refusal(code: string): void {
    const i = this.refused.get(code);
    if (i !== undefined) this.hit[i] = 1;
  }

  step(ctx: StepContext, initialTarget: number): void {
    const { hit, i } = this;
    hit[i['any-step']] = 1;
    if (ctx.command.kind === 'hostile') hit[i.hostile] = 1;
    if (ctx.result.outcome === 'refused') this.refusal(ctx.result.code);
    const b = ctx.before;
    const holding = b.ballooned + b.inflating + b.deflating > 0;
    if (this.twoGuests && ctx.result.effects.length > 0) hit[i['two-guests']] = 1;
    for (const e of ctx.result.effects) {
      switch (e.kind) {
        case 'frame-mapped': hit[i['frame-mapped']] = 1; break;
        case 'frame-released': hit[i['frame-released']] = 1; break;
        case 'actual-written': hit[i['actual-written']] = 1; break;
        case 'reset': hit[i.reset] = 1; break;
        case 'target-set': if (e.target !== initialTarget && e.target > 0) hit[i['target-nonzero']] = 1; break;
        case 'wrote': this.wrote[e.guest] = 1; if (holding) hit[i['touch-with-balloon']] = 1; break;
        case 'read': if (this.wrote[e.guest]) hit[i['read-after-write']] = 1; if (holding) hit[i['touch-with-balloon']] = 1; break;
        case 'pages-allocated': if (holding) hit[i['touch-with-balloon']] = 1; break;
        default: break;
      }
    }
  }
}
