/**
 * The contract of every Xen command, stated once as data (as core/virtio/contracts.ts does for
 * virtio): given the guest before the step, when a refusal is legal and with which code, and what
 * an accepted command must have done, read off its effects and the observation after. An
 * implementation that does nothing, ignores the toolstack or refuses everything is consistent
 * with itself; these rules tie the verdict to the command that was given.
 */
import type { XenCommand, XenCommandKind } from './commands.ts';
import { xenInitialPages, type XenGuestConfig } from './config.ts';
import type { XenEffectKind, XenStepResult } from './effects.ts';
import type { XenErrorCode } from './errors.ts';
import type { XenGuestObservation } from './observation.ts';

/** The command's guest before the step, as plain numbers. */
export interface XenContractBefore {
  current: number; target: number; used: number; free: number; balloonLow: number; lent: number;
  podCache: number; hostFree: number; now: number;
  /** Frames a populate could take (free, less every PoD cache's claim), and frames the guest maps. */
  available: number; mapped: number;
}

export interface XenContractStep {
  command: XenCommand;
  result: XenStepResult;
  before: XenContractBefore;
  after: XenGuestObservation;
  /** The virtual clock after the step. */
  now: number;
  guest: XenGuestConfig;
}

export interface XenCommandContract {
  source: string;
  refusals: Partial<Record<XenErrorCode, string>>;
  accepted: string;
  check(s: XenContractStep): string | null;
}

const count = (r: XenStepResult, kind: XenEffectKind) => r.effects.reduce((n, e) => n + (e.kind === kind ? 1 : 0), 0);
const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
const what = (c: XenCommand) => `${c.kind} command of guest ${c.guest}`;

/** A refusal's code must be listed and legal now: `legal[code]()` returns null when it is, else why not. */
function refusal(s: XenContractStep, legal: Partial<Record<XenErrorCode, () => string | null>>): string | null {
  if (s.result.outcome !== 'refused') return null;
  const rule = legal[s.result.code];
  if (!rule) return `a ${what(s.command)} was refused with ${s.result.code}; ${Object.keys(legal).length ? `the only legal refusals are ${Object.keys(legal).join(', ')}` : 'it is never refused'}`;
  const why = rule();
  return why ? `a ${what(s.command)} was refused with ${s.result.code}, but ${why}` : null;
}

function sized(s: XenContractStep, kind: 'lent' | 'unlent' | 'pages-allocated' | 'pages-freed', n: number): string | null {
  const e = s.result.effects.filter((x) => x.kind === kind);
  if (e.length !== 1) return `an accepted ${what(s.command)} reported ${e.length} ${kind} effects, not one`;
  const got = (e[0] as { gpfns: readonly number[] }).gpfns.length;
  return got === n ? null : `an accepted ${what(s.command)} reported ${got} gpfns ${kind}, not ${n}`;
}

export const XEN_CONTRACTS: Record<XenCommandKind, XenCommandContract> = {
  'set-target': {
    source: 'Linux drivers/xen/xen-balloon.c watch_target, balloon_set_new_target; xl mem-set refuses a target above maxmem',
    refusals: { 'xen/bad-target': 'the target is negative or not a whole number of pages' },
    accepted: 'target_pages = min(pages, RAM), in a target-set effect and in the next observation',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'set-target' }>;
      const valid = whole(c.pages, 0);
      if (s.result.outcome === 'refused') return refusal(s, { 'xen/bad-target': () => (valid ? `${c.pages} is a whole number of pages` : null) });
      if (!valid) return `a target of ${c.pages} for guest ${c.guest} was accepted; it must be refused (xen/bad-target)`;
      const want = Math.min(c.pages, s.guest.ramPages);
      return s.after.target === want && count(s.result, 'target-set') === 1 ? null : `a target of ${c.pages} for guest ${c.guest} left target_pages at ${s.after.target}, not ${want}`;
    },
  },
  'thread': {
    source: 'Linux balloon.c balloon_thread (one pass when due, else asleep); core/xen/commands.ts thread: `grant` is the most extents the host populates in the step (populate_physmap stops when the domain or host is out of memory)',
    refusals: {},
    accepted: 'exactly one balloon-pass effect: the thread ran a pass or stayed asleep; a populate does at most `grant` extents',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'thread' }>;
      const over = c.grant === undefined ? undefined : s.result.effects.find((e) => e.kind === 'hypercall' && e.op === 'populate' && e.done > c.grant!);
      if (over && over.kind === 'hypercall') return `a thread step of guest ${c.guest} granted ${c.grant} extents, but a populate did ${over.done}`;
      // populate_physmap stops short only when it cannot allocate: the grant is used up, or the
      // host has no frame left to give (the frames it could take before the step, less those done).
      const short = s.result.effects.find((e) => e.kind === 'hypercall' && e.op === 'populate' && e.origin === 'driver' && e.refused.length === 0 && e.done < e.gpfns.length);
      if (short && short.kind === 'hypercall' && !(c.grant !== undefined && short.done >= c.grant) && s.before.available > short.done) {
        return `a populate of guest ${c.guest} did ${short.done} of ${short.gpfns.length} extents with ${s.before.available} frames free to give and no grant reached`;
      }
      return refusal(s, {}) ?? (count(s.result, 'balloon-pass') === 1 ? null : `a thread step of guest ${s.command.guest} reported ${count(s.result, 'balloon-pass')} balloon passes, not one`);
    },
  },
  'tick': {
    source: 'core/xen/commands.ts tick: the virtual clock moves forward',
    refusals: { 'xen/bad-tick': 'not a whole number of seconds from 1 to 3600' },
    accepted: 'the clock moves forward by exactly the seconds given',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'tick' }>;
      const valid = whole(c.seconds, 1) && c.seconds <= 3600;
      if (s.result.outcome === 'refused') return refusal(s, { 'xen/bad-tick': () => (valid ? `${c.seconds} s is a valid tick` : null) });
      if (!valid) return `a tick of ${c.seconds} s was accepted; it must be refused (xen/bad-tick)`;
      return s.now === s.before.now + c.seconds ? null : `a tick of ${c.seconds} s moved the clock from ${s.before.now} to ${s.now}`;
    },
  },
  'lend': {
    source: 'Linux balloon.c xen_alloc_ballooned_pages (from the ballooned list: docs/families/xen.md)',
    refusals: { 'xen/balloon-short': 'the balloon holds fewer pages than asked' },
    accepted: 'a lent effect of exactly the pages asked, moved from the list to the lent pages',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'lend' }>;
      const ok = whole(c.pages, 1) && c.pages <= s.before.balloonLow;
      if (s.result.outcome === 'refused') return refusal(s, { 'xen/balloon-short': () => (ok ? `the balloon held ${s.before.balloonLow} pages for ${c.pages}` : null) });
      if (!ok) return `lending ${c.pages} pages of guest ${c.guest} was accepted with ${s.before.balloonLow} in the balloon`;
      return sized(s, 'lent', c.pages) ?? (s.after.xen.lent === s.before.lent + c.pages ? null : `lending ${c.pages} pages moved guest ${c.guest}'s lent count from ${s.before.lent} to ${s.after.xen.lent}`);
    },
  },
  'unlend': {
    source: 'Linux balloon.c xen_free_ballooned_pages',
    refusals: { 'xen/nothing-lent': 'fewer pages are lent than returned' },
    accepted: 'an unlent effect of exactly the pages returned, back on the list',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'unlend' }>;
      const ok = whole(c.pages, 1) && c.pages <= s.before.lent;
      if (s.result.outcome === 'refused') return refusal(s, { 'xen/nothing-lent': () => (ok ? `${s.before.lent} pages were lent for ${c.pages}` : null) });
      if (!ok) return `returning ${c.pages} pages of guest ${c.guest} was accepted with ${s.before.lent} lent`;
      return sized(s, 'unlent', c.pages) ?? (s.after.xen.balloonLow === s.before.balloonLow + c.pages ? null : `returning ${c.pages} lent pages left guest ${c.guest}'s balloon at ${s.after.xen.balloonLow}`);
    },
  },
  'alloc': {
    source: 'core/xen/commands.ts alloc (all or nothing, zero-filled; a PoD entry is backed on that touch: p2m_pod_demand_populate)',
    refusals: { 'guest/oom': 'fewer free pages than asked', 'xen/pod-cache-empty': 'the PoD cache holds fewer frames than the allocation could need' },
    accepted: 'a pages-allocated effect of exactly the pages asked; used grows by as many; the PoD cache falls by the entries backed',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'alloc' }>;
      const fits = whole(c.pages, 1) && c.pages <= s.before.free;
      if (s.result.outcome === 'refused') {
        return refusal(s, {
          'guest/oom': () => (fits ? `${s.before.free} pages were free for ${c.pages}` : null),
          'xen/pod-cache-empty': () => (fits && s.guest.podPages > 0 && s.before.podCache < c.pages ? null : 'the PoD cache could back the allocation'),
        });
      }
      if (!fits) return `allocating ${c.pages} pages of guest ${c.guest} was accepted with ${s.before.free} free`;
      // p2m_pod_demand_populate: each PoD entry touched is backed by a frame taken from the cache.
      const backed = count(s.result, 'frame-mapped');
      if (s.after.xen.podCache !== s.before.podCache - backed) return `allocating ${c.pages} pages of guest ${c.guest} backed ${backed} PoD entries but moved its PoD cache from ${s.before.podCache} to ${s.after.xen.podCache}`;
      return sized(s, 'pages-allocated', c.pages) ?? (s.after.counts.used === s.before.used + c.pages ? null : `allocating ${c.pages} pages moved guest ${c.guest}'s used count from ${s.before.used} to ${s.after.counts.used}`);
    },
  },
  'free': {
    source: 'core/xen/commands.ts free (min(pages, used) of the used pages)',
    refusals: { 'guest/no-used-pages': 'the guest uses no page' },
    accepted: 'a pages-freed effect of min(pages, used); used falls by as many',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'free' }>;
      const n = Math.min(c.pages, s.before.used);
      if (s.result.outcome === 'refused') return refusal(s, { 'guest/no-used-pages': () => (n > 0 ? `guest ${c.guest} used ${s.before.used} pages` : null) });
      if (!(n > 0)) return `freeing ${c.pages} pages of guest ${c.guest} was accepted with nothing to free`;
      return sized(s, 'pages-freed', n) ?? (s.after.counts.used === s.before.used - n ? null : `freeing ${n} pages moved guest ${c.guest}'s used count from ${s.before.used} to ${s.after.counts.used}`);
    },
  },
  'write': touch('write'),
  'read': touch('read'),
  'reset': {
    source: 'xl reboot: the domain is built again with all of its RAM (or its PoD allocation); the toolstack\'s target stays',
    refusals: { 'host/out-of-frames': 'the host cannot back the rebuilt domain' },
    accepted: 'a reset effect; current_pages = RAM, the target kept, nothing ballooned or lent, the thread DONE',
    check(s) {
      const g = s.command.guest;
      if (s.result.outcome === 'refused') {
        const can = s.before.available + s.before.mapped + s.before.podCache;
        return refusal(s, { 'host/out-of-frames': () => (can >= xenInitialPages(s.guest) ? `the host could give ${can} frames (its own and the domain's) for ${xenInitialPages(s.guest)}` : null) });
      }
      const a = s.after;
      if (count(s.result, 'reset') !== 1) return `a reset of guest ${g} reported no reset effect`;
      if (a.actual !== s.guest.ramPages) return `guest ${g} was rebuilt with current_pages ${a.actual}, not ${s.guest.ramPages}`;
      if (a.target !== s.before.target) return `guest ${g} was rebuilt and its target moved from ${s.before.target} to ${a.target}`;
      if (a.counts.ballooned !== 0 || a.xen.lent !== 0) return `guest ${g} was rebuilt with ${a.counts.ballooned} gpfns still ballooned`;
      return a.xen.thread.state === 'done' && !a.xen.thread.inHypercall ? null : `guest ${g} was rebuilt with its balloon thread in ${a.xen.thread.state}`;
    },
  },
  'hostile': {
    source: 'docs/INVARIANTS.md invariant 7; core/xen/commands.ts XEN_HOSTILE_REQUESTS (issued and judged in the step)',
    refusals: { 'xen/no-request': 'the command came without its request (the runner always fills it in)' },
    accepted: 'exactly one hypercall effect, of hostile origin',
    check(s) {
      const c = s.command as Extract<XenCommand, { kind: 'hostile' }>;
      if (s.result.outcome === 'refused') return refusal(s, { 'xen/no-request': () => (c.req ? 'the command carried its request' : null) });
      const h = s.result.effects.filter((e) => e.kind === 'hypercall');
      return h.length === 1 && h[0].kind === 'hypercall' && h[0].origin === 'hostile' ? null : `a hostile ${c.request} request of guest ${c.guest} reached ${h.length} hypercalls of hostile origin, not one`;
    },
  },
};

function touch(kind: 'write' | 'read'): XenCommandContract {
  const effect = kind === 'write' ? 'wrote' : 'read';
  return {
    source: `core/xen/commands.ts ${kind} (one used page, chosen by pick; used pages are always backed in Xen)`,
    refusals: { 'guest/no-used-pages': 'the guest uses no page' },
    accepted: `exactly one ${effect} effect`,
    check(s) {
      if (s.result.outcome === 'refused') return refusal(s, { 'guest/no-used-pages': () => (s.before.used === 0 ? null : `guest ${s.command.guest} used ${s.before.used} pages`) });
      if (s.before.used === 0) return `a ${what(s.command)} was accepted, but the guest used no page`;
      return count(s.result, effect) === 1 ? null : `an accepted ${what(s.command)} reported ${count(s.result, effect)} ${effect} effects, not one`;
    },
  };
}
