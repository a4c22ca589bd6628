/**
 * The malformed backdoor commands of `hostile` commands (core/vmware/commands.ts
 * VMW_HOSTILE_REQUESTS): test input, built here from the observation at the moment of the step,
 * so every implementation is handed the same bad request (the runner fills the command's `req`
 * in). Every entry of each request is bad for a correct host, so it locks or unlocks nothing;
 * when the moment offers no such entry (nothing locked, the capability granted), the request
 * falls back to page numbers past the guest's memory. `pick` varies which.
 */
import { gpfnSpace, isRam } from '../../core/index.ts';
import {
  gpfnOfPpn, ppnOf, type VmwCommand, type VmwHostileKind, type VmwObservation, type VmwRequest, type VmwSystemConfig,
} from '../../core/vmware/index.ts';

type Hostile = Extract<VmwCommand, { kind: 'hostile' }>;

/** The command with its request filled in; unchanged when it has one or names no guest. */
export function resolveVmwHostile(c: Hostile, sys: VmwSystemConfig, obs: VmwObservation): Hostile {
  if (c.req || !sys.guests[c.guest] || !obs.guests[c.guest]) return c;
  return { ...c, req: vmwHostileRequest(c.request, c.pick, sys, c.guest, obs) };
}

export function vmwHostileRequest(kind: VmwHostileKind, pick: number, sys: VmwSystemConfig, guest: number, obs: VmwObservation): VmwRequest {
  const cfg = sys.guests[guest];
  const g = obs.guests[guest];
  const space = gpfnSpace(cfg);
  const caps = g.vmware.host.caps;
  // The batched LOCK when the host granted it, else the one-page LOCK.
  const lock = caps?.batched ? 'batched-lock' : 'lock';
  const unlock = caps?.batched ? 'batched-unlock' : 'unlock';
  // Past the end of the guest's memory, and below 2^32 when that is still past it (a non-batched
  // command carries the low 32 bits only, which must not wrap round onto the guest's own pages).
  const beyond = ppnOf(cfg, space + (pick % 7));
  // A laid-out guest may have RAM right below 2^32 (core/layout.ts): step down to a 32-bit number
  // where none of its pages sits (one of any space + 1 numbers is such).
  let low = 0xffff_ffff;
  for (let n = gpfnOfPpn(cfg, low); n >= 0 && n < space; n = gpfnOfPpn(cfg, low)) low--;
  const pastEnd: VmwRequest = { cmd: lock, ppns: [caps?.batched || beyond <= 0xffff_ffff || cfg.ppnBase > 0 ? beyond : low] };
  const where = (ok: (n: number) => boolean, max: number): number[] => {
    const out: number[] = [];
    // A non-batched command carries a 32-bit register: a page whose number needs more is not one a guest can name there.
    for (let i = 0; i < space && out.length < max; i++) { const n = (pick + i) % space; if (ok(n) && (caps?.batched || ppnOf(cfg, n) <= 0xffff_ffff)) out.push(ppnOf(cfg, n)); }
    return out;
  };
  const per = caps?.batched ? 3 : 1;
  switch (kind) {
    case 'ppn-invalid':
      return cfg.holePages > 0 && pick % 2 === 0 ? { cmd: lock, ppns: [ppnOf(cfg, cfg.holeStart + (pick % cfg.holePages))] } : pastEnd;
    case 'foreign': {
      // A page number inside another guest's range and outside this one's.
      const other = sys.guests.find((o, i) => i !== guest && (o.ppnBase + gpfnSpace(o) <= cfg.ppnBase || o.ppnBase >= cfg.ppnBase + space || o.ppnBase + gpfnSpace(o) > cfg.ppnBase + space));
      if (!other) return pastEnd;
      for (let i = 0; i < gpfnSpace(other); i++) {
        const ppn = other.ppnBase + ((pick + i) % gpfnSpace(other));
        // A non-batched command carries the low 32 bits only: what the host sees must be foreign too.
        const seen = caps?.batched ? ppn : ppn % 2 ** 32;
        const n = gpfnOfPpn(cfg, seen);
        if (n < 0 || n >= space) return { cmd: lock, ppns: [ppn] };
      }
      return pastEnd;
    }
    case 'double-lock': {
      const held = where((n) => g.hostBallooned[n] === 1, per);
      return held.length > 0 ? { cmd: lock, ppns: held } : pastEnd;
    }
    case 'unlock-unlocked': {
      const loose = where((n) => isRam(cfg, n) && g.hostBallooned[n] === 0, per);
      return loose.length > 0 ? { cmd: unlock, ppns: loose } : pastEnd;
    }
    case 'large-without-cap': {
      if (caps && caps.batched && caps.large) return pastEnd;
      const L = sys.largePageGpfns;
      return { cmd: 'batched-2m-lock', ppns: [ppnOf(cfg, (pick % Math.max(1, Math.floor(cfg.ramPages / L))) * L)] };
    }
    case 'batched-without-cap':
      if (caps?.batched) return pastEnd;
      return { cmd: 'batched-lock', ppns: where((n) => isRam(cfg, n), 2) };
  }
}
