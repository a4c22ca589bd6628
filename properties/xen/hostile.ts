/**
 * The malformed memory ops of `hostile` commands (core/xen/commands.ts XEN_HOSTILE_REQUESTS):
 * test input, built here from the observation at the moment of the step, so every implementation
 * is handed the same bad request (the runner fills the command's `req` in). Every extent of each
 * request is bad, so a correct hypervisor does none of them (memory.c stops at the first bad one)
 * and changes nothing; `pick` varies which.
 */
import { PageState, UNBACKED } from '../../core/index.ts';
import { gpfnSpace } from '../../core/index.ts';
import {
  type XenCommand, type XenHostileKind, type XenObservation, type XenRequest, type XenSystemConfig,
} from '../../core/xen/index.ts';

type Hostile = Extract<XenCommand, { kind: 'hostile' }>;

/** The command with its request filled in; unchanged when it has one or names no guest. */
export function resolveXenHostile(c: Hostile, sys: XenSystemConfig, obs: XenObservation): Hostile {
  if (c.req || !sys.guests[c.guest] || !obs.guests[c.guest]) return c;
  return { ...c, req: xenHostileRequest(c.request, c.pick, sys, c.guest, obs) };
}

export function xenHostileRequest(kind: XenHostileKind, pick: number, sys: XenSystemConfig, guest: number, obs: XenObservation): XenRequest {
  const cfg = sys.guests[guest];
  const g = obs.guests[guest];
  const space = gpfnSpace(cfg);
  const pastEnd: XenRequest = { op: 'decrease', order: 0, gpfns: [space + (pick % 7), 0xffff_ffff] };
  const where = (ok: (n: number) => boolean, max = 3): number[] => {
    const out: number[] = [];
    for (let i = 0; i < space && out.length < max; i++) { const n = (pick + i) % space; if (ok(n)) out.push(n); }
    return out;
  };
  switch (kind) {
    case 'misaligned': {
      // An order-k extent starting off its 2^k boundary, inside the domain, over RAM that is backed.
      const order = 1 + (pick % 3);
      const size = 2 ** order;
      const bases = where((n) => n % size !== 0 && n - (n % size) + size <= space && g.p2m[n] !== UNBACKED, 2);
      return bases.length > 0 ? { op: 'decrease', order, gpfns: bases } : pastEnd;
    }
    case 'order-too-large':
      return { op: 'decrease', order: sys.maxExtentOrder + 1 + (pick % 3), gpfns: [0] };
    case 'foreign': {
      // Valid in a bigger domain, not in this one: a hypervisor that looked in the wrong p2m would change that domain.
      const bigger = sys.guests.map(gpfnSpace).filter((s) => s > space);
      return bigger.length > 0 ? { op: 'decrease', order: 0, gpfns: [space + (pick % (bigger[0] - space))] } : pastEnd;
    }
    case 'already-released': {
      const gone = where((n) => g.hostBallooned[n] === 1);
      return gone.length > 0 ? { op: 'decrease', order: 0, gpfns: gone } : pastEnd;
    }
    case 'hole':
      return cfg.holePages > 0 ? { op: 'decrease', order: 0, gpfns: [cfg.holeStart + (pick % cfg.holePages)] } : pastEnd;
    case 'populate-backed': {
      const held = where((n) => g.p2m[n] !== UNBACKED || g.xen.pod[n] === 1);
      return held.length > 0 ? { op: 'populate', order: 0, gpfns: held } : pastEnd;
    }
    case 'pod-populate': {
      const gone = where((n) => g.pageState[n] === PageState.Ballooned || g.pageState[n] === PageState.Free);
      return { op: 'populate', order: 0, gpfns: gone.length > 0 ? gone : [0], pod: true };
    }
  }
}
