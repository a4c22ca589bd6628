/**
 * The malformed host messages of `hostile` commands (core/hyperv/commands.ts HV_HOSTILE_REQUESTS):
 * test input, built here from the observation at the moment of the step, so every implementation
 * is handed the same bad message (the runner fills the command's `msg` in). Each is bad whatever
 * the state, so a careful guest refuses it and changes nothing; `pick` varies which pages.
 */
import { gpfnSpace, PageState } from '../../core/index.ts';
import { hvProfileOf, type HvCommand, type HvHostileKind, type HvMessage, type HvObservation, type HvSystemConfig } from '../../core/hyperv/index.ts';

type Hostile = Extract<HvCommand, { kind: 'hostile' }>;

/** A transaction id no side ever issues (the guest counts from 1, as Linux does; the testbed's host from 0x8001). */
const STALE = 0x7fff_0000;

export function resolveHvHostile(c: Hostile, sys: HvSystemConfig, obs: HvObservation): Hostile {
  if (c.msg || !sys.guests[c.guest] || !obs.guests[c.guest]) return c;
  return { ...c, msg: hvHostileMessage(c.request, c.pick, sys, c.guest, obs) };
}

export function hvHostileMessage(kind: HvHostileKind, pick: number, sys: HvSystemConfig, guest: number, obs: HvObservation): HvMessage {
  const cfg = sys.guests[guest];
  const g = obs.guests[guest];
  const gpp = cfg.guestPageGpfns;
  const space = gpfnSpace(cfg);
  // The open multi-part unballoon's id, so that only the ranges are wrong.
  const trans = g.hv.unballoonTrans ?? STALE + (pick % 7);
  const outside: HvMessage = { type: 'unballoon-request', trans, ranges: [{ start: space + (pick % 7) * gpp, count: gpp }], more: false };
  const find = (ok: (n: number) => boolean): number => {
    const pages = space / gpp;
    for (let i = 0; i < pages; i++) { const n = ((pick + i) % pages) * gpp; if (ok(n)) return n; }
    return -1;
  };
  switch (kind) {
    case 'unballoon-never-ballooned': {
      const n = find((x) => g.pageState[x] === PageState.Free || g.pageState[x] === PageState.Used);
      return n < 0 ? outside : { type: 'unballoon-request', trans, ranges: [{ start: n, count: gpp }], more: false };
    }
    case 'unballoon-overlapping': {
      const b = find((x) => g.pageState[x] === PageState.Ballooned);
      const n = b >= 0 ? b : find((x) => g.pageState[x] !== PageState.Hole);
      return n < 0 ? outside : { type: 'unballoon-request', trans, ranges: [{ start: n, count: gpp }, { start: n, count: gpp }], more: false };
    }
    case 'unballoon-outside':
      return cfg.holePages > 0 && pick % 2 === 0
        ? { type: 'unballoon-request', trans, ranges: [{ start: cfg.holeStart + (pick % (cfg.holePages / gpp)) * gpp, count: gpp }], more: false }
        : outside;
    case 'unballoon-unaligned': {
      if (gpp === 1) return outside;
      const b = find((x) => g.pageState[x] === PageState.Ballooned);
      const n = b >= 0 ? b : find((x) => g.pageState[x] !== PageState.Hole);
      return n < 0 ? outside : { type: 'unballoon-request', trans, ranges: [{ start: n + 1 + (pick % (gpp - 1)), count: 1 }], more: false };
    }
    case 'stale-transaction': {
      // Under the careful profile, inside a multi-part unballoon: a part under another id (QEMU's
      // host sends every part of one unballoon under one trans_id; under sheet such a part is not
      // bad, as Linux balloon_down does not look at the id). Otherwise a response to no request of
      // the guest's that is open: a VERSION_RESPONSE once the version is settled, a
      // CAPABILITIES_RESPONSE before the report was sent or after it was answered (version_resp,
      // cap_resp answer only the guest's own DM_VERSION_REQUEST and DM_CAPABILITIES_REPORT). Its
      // id is not what makes it stale.
      if (g.hv.unballoonTrans !== null && hvProfileOf(sys) === 'careful') return { type: 'unballoon-request', trans: g.hv.unballoonTrans + 1 + (pick % 3), ranges: [], more: false };
      const phase = g.hv.phase;
      const version = phase === 'version' ? false : phase === 'caps' ? true : pick % 2 === 0;
      return version ? { type: 'version-response', trans: STALE + (pick % 5), accepted: true } : { type: 'caps-response', trans: STALE + (pick % 5), accepted: true };
    }
    case 'hot-add-outside': {
      const end = cfg.hotAddStart + cfg.hotAddPages;
      const start = cfg.hotAddPages > 0 && pick % 2 === 0 && cfg.hotAddStart >= gpp ? cfg.hotAddStart - gpp : (cfg.hotAddPages > 0 ? end : 0);
      return { type: 'hot-add-request', trans: STALE + (pick % 5), range: { start, count: gpp } };
    }
  }
}
