/**
 * The malformed ChangeMemBalloon requests of `hostile` commands (core/virtualbox/commands.ts
 * VBOX_HOSTILE_REQUESTS): test input, built here from the observation at the moment of the step,
 * so every implementation is handed the same bad request (the runner fills the command's `req`
 * in). Each request is bad for a correct host in one way only and otherwise made of good
 * addresses (RAM of the guest the host does not hold as ballooned), with the bad one last or,
 * for alignment, not first: a host that checks page by page, or only the first page, shows.
 */
import { gpfnSpace, isRam, touchedRanges, type GpfnArray } from '../../core/index.ts';
import type { VboxCommand, VboxHostileKind, VboxObservation, VboxRequest, VboxSystemConfig } from '../../core/virtualbox/index.ts';

type Hostile = Extract<VboxCommand, { kind: 'hostile' }>;

/** The command with its request filled in; unchanged when it has one or names no guest. */
export function resolveVboxHostile(c: Hostile, sys: VboxSystemConfig, obs: VboxObservation): Hostile {
  if (c.req || !sys.guests[c.guest] || !obs.guests[c.guest]) return c;
  return { ...c, req: vboxHostileRequest(c.request, c.pick, sys, c.guest, obs) };
}

export function vboxHostileRequest(kind: VboxHostileKind, pick: number, sys: VboxSystemConfig, guest: number, obs: VboxObservation): VboxRequest {
  const cfg = sys.guests[guest];
  const g = obs.guests[guest];
  const cp = sys.chunkPages;
  const space = gpfnSpace(cfg);
  const where = (ok: (n: number) => boolean, max: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < space && out.length < max; i++) { const n = (pick + i) % space; if (ok(n)) out.push(n); }
    return out;
  };
  const loose = (n: number) => isRam(cfg, n) && g.hostBallooned[n] === 0;
  const addr = (n: number) => n * 4096;
  const good = (k: number) => where(loose, k).map(addr);
  const pastEnd = addr(space + (pick % 7));
  const withLast = (last: number): VboxRequest => ({ inflate: true, addrs: [...good(cp - 1), last] });
  switch (kind) {
    case 'count': {
      // One page short or one over; with too few good pages for one over, what there is (never exactly a chunk).
      const addrs = good(pick % 2 === 0 ? cp - 1 : cp + 1);
      return { inflate: true, addrs: addrs.length === cp ? addrs.slice(1) : addrs };
    }
    case 'unaligned': {
      const addrs = good(cp);
      const i = 1 + (pick % (addrs.length - 1 || 1));
      if (addrs.length > 1) addrs[i] += 8 * (1 + (pick % 500));
      else addrs[0] += 8;
      return { inflate: true, addrs };
    }
    case 'hole': return withLast(cfg.holePages > 0 ? addr(cfg.holeStart + (pick % cfg.holePages)) : pastEnd);
    case 'past-ram': return withLast(pastEnd);
    case 'deflate-never-inflated': {
      const pages = good(cp);
      return pages.length === cp ? { inflate: false, addrs: pages } : withLast(pastEnd);
    }
    case 'inflate-twice': {
      const held = heldAt(g.hostBallooned, pick % space);
      return withLast(held.length > 0 ? addr(held[0]) : pastEnd);
    }
  }
}

/**
 * The first gpfn the host holds, going up from `start` and wrapping: the whole space for a typed
 * array, only the touched chunks of a paged map (core/paged.ts; outside them nothing is held).
 */
function heldAt(held: GpfnArray, start: number): number[] {
  const space = held.length;
  const ranges = touchedRanges(held);
  if (ranges.length === 1 && ranges[0][0] === 0 && ranges[0][1] === space) {
    for (let i = 0; i < space; i++) { const n = (start + i) % space; if (held[n] === 1) return [n]; }
    return [];
  }
  let best = -1;
  for (const [lo, hi] of ranges) for (let n = lo; n < hi; n++) {
    if (held[n] === 1 && (best < 0 || (n - start + space) % space < (best - start + space) % space)) best = n;
  }
  return best < 0 ? [] : [best];
}

