/**
 * The contract of every Hyper-V command, stated once as data (as core/xen/contracts.ts does):
 * given the guest before the step, when a refusal is legal and with which code, and what an
 * accepted command must have done. An implementation that does nothing, ignores the host or
 * refuses everything is consistent with itself; these rules tie the verdict to the command given.
 */
import type { HvCommand, HvCommandKind } from './commands.ts';
import type { HvGuestConfig } from './config.ts';
import type { HvEffectKind, HvStepResult } from './effects.ts';
import type { HvErrorCode } from './errors.ts';
import type { HvGuestObservation, HvPhase } from './observation.ts';

/** The command's guest before the step, as plain numbers. */
export interface HvContractBefore {
  used: number; free: number; target: number; actual: number; hostFree: number;
  phase: HvPhase; hostReady: boolean; toGuest: number; toHost: number; outstanding: boolean;
  /** Free pages of the hot-add region (what an offline can take). */
  hotAddFree: number;
}

export interface HvContractStep {
  command: HvCommand;
  result: HvStepResult;
  before: HvContractBefore;
  after: HvGuestObservation;
  guest: HvGuestConfig;
}

export interface HvCommandContract {
  source: string;
  refusals: Partial<Record<HvErrorCode, string>>;
  accepted: string;
  check(s: HvContractStep): string | null;
}

const count = (r: HvStepResult, kind: HvEffectKind) => r.effects.reduce((n, e) => n + (e.kind === kind ? 1 : 0), 0);
const whole = (n: unknown, min: number) => typeof n === 'number' && Number.isInteger(n) && n >= min;
const what = (c: HvCommand) => `${c.kind} command of guest ${c.guest}`;

function refusal(s: HvContractStep, legal: Partial<Record<HvErrorCode, () => string | null>>): string | null {
  if (s.result.outcome !== 'refused') return null;
  const rule = legal[s.result.code];
  if (!rule) return `a ${what(s.command)} was refused with ${s.result.code}; ${Object.keys(legal).length ? `the only legal refusals are ${Object.keys(legal).join(', ')}` : 'it is never refused'}`;
  const why = rule();
  return why ? `a ${what(s.command)} was refused with ${s.result.code}, but ${why}` : null;
}

function handled(s: HvContractStep, by: 'guest' | 'host'): string | null {
  const h = s.result.effects.filter((e) => e.kind === 'hv-handled');
  return h.length === 1 && h[0].kind === 'hv-handled' && h[0].by === by ? null : `an accepted ${what(s.command)} reported ${h.length} messages handled, not one by the ${by}`;
}

export const HV_CONTRACTS: Record<HvCommandKind, HvCommandContract> = {
  'set-target': {
    source: 'the host\'s own policy (Hyper-V Manager / QEMU hv-balloon: a wanted balloon size); core/hyperv/commands.ts',
    refusals: { 'hv/bad-target': 'the target is negative or not whole' },
    accepted: 'target = min(pages, RAM), in a target-set effect and the next observation',
    check(s) {
      const c = s.command as Extract<HvCommand, { kind: 'set-target' }>;
      const valid = whole(c.pages, 0);
      if (s.result.outcome === 'refused') return refusal(s, { 'hv/bad-target': () => (valid ? `${c.pages} is a whole number of pages` : null) });
      if (!valid) return `a target of ${c.pages} for guest ${c.guest} was accepted; it must be refused (hv/bad-target)`;
      const want = Math.min(c.pages, s.guest.ramPages);
      const effects = count(s.result, 'target-set');
      if (effects !== 1) return `set-target ${c.pages} of guest ${c.guest} was accepted with ${effects} target-set effects, not one`;
      return s.after.target === want ? null : `set-target ${c.pages} left guest ${c.guest}'s target at ${s.after.target}, not ${want}`;
    },
  },
  'host-send': {
    source: 'core/hyperv/commands.ts host-send; hv_balloon.c message types DM_BALLOON_REQUEST, DM_UNBALLOON_REQUEST',
    refusals: {
      'hv/not-ready': 'start-up has not finished on the host\'s side',
      'hv/bad-size': 'parts or span is not a whole number from 1',
      'host/out-of-frames': 'the host has no frame to back a page it would unballoon',
    },
    accepted: 'at most one transaction is open: a request is sent only when none was left in flight',
    check(s) {
      const c = s.command as Extract<HvCommand, { kind: 'host-send' }>;
      const sizes = (c.parts === undefined || whole(c.parts, 1)) && (c.span === undefined || whole(c.span, 1));
      if (s.result.outcome === 'refused') {
        return refusal(s, {
          'hv/not-ready': () => (s.before.hostReady ? 'the host had accepted the capabilities' : null),
          'hv/bad-size': () => (sizes ? 'parts and span were whole numbers from 1' : null),
          'host/out-of-frames': () => (s.before.hostFree > 0 ? `the host had ${s.before.hostFree} free frames` : s.before.target < s.before.actual ? null : 'the host was not giving memory back'),
        });
      }
      if (!s.before.hostReady) return `guest ${c.guest}'s host sent a request before start-up finished`;
      const sent = s.result.effects.filter((e) => e.kind === 'hv-sent' && e.from === 'host').length;
      if (sent > 0 && s.before.outstanding && count(s.result, 'hv-abandoned') === 0) return `guest ${c.guest}'s host opened a transaction while one was in flight`;
      return null;
    },
  },
  'host-recv': {
    source: 'core/hyperv/commands.ts host-recv (the oldest message first: a VMBus ring is in order)',
    refusals: { 'hv/no-message': 'no message waits for the host' },
    accepted: 'exactly the oldest guest message handled by the host',
    check(s) {
      if (s.result.outcome === 'refused') return refusal(s, { 'hv/no-message': () => (s.before.toHost > 0 ? `${s.before.toHost} messages waited` : null) });
      if (s.before.toHost === 0) return `guest ${s.command.guest}'s host handled a message when none waited`;
      return handled(s, 'host');
    },
  },
  'guest': {
    source: 'core/hyperv/commands.ts guest (hv_balloon.c balloon_onchannelcallback: balloon_down runs in the callback, balloon_up and hot_add_req are queued as work from it)',
    refusals: { 'hv/no-message': 'no message waits for the guest' },
    accepted: 'exactly the oldest host message handled by the driver',
    check(s) {
      if (s.result.outcome === 'refused') return refusal(s, { 'hv/no-message': () => (s.before.toGuest > 0 ? `${s.before.toGuest} messages waited` : null) });
      if (s.before.toGuest === 0) return `guest ${s.command.guest}'s driver handled a message when none waited`;
      return handled(s, 'guest');
    },
  },
  'status': {
    source: 'hv_balloon.c post_status: only once the protocol is up',
    refusals: { 'hv/not-ready': 'start-up has not finished' },
    accepted: 'one STATUS_REPORT sent',
    check(s) {
      if (s.result.outcome === 'refused') return refusal(s, { 'hv/not-ready': () => (s.before.phase === 'ready' ? 'the driver was ready' : null) });
      if (s.before.phase !== 'ready') return `guest ${s.command.guest} reported its status before start-up finished`;
      const sent = s.result.effects.filter((e) => e.kind === 'hv-sent' && e.msg.type === 'status').length;
      return sent === 1 ? null : `a status tick of guest ${s.command.guest} sent ${sent} STATUS_REPORTs, not one`;
    },
  },
  'hot-add': {
    source: 'core/hyperv/commands.ts hot-add; hv_balloon.c DM_MEM_HOT_ADD_REQUEST',
    refusals: {
      'hv/not-ready': 'start-up has not finished', 'hv/bad-size': 'pages is not a whole number from 1',
      'hv/outside-hot-add': 'the guest has no hot-add region', 'host/out-of-frames': 'the host has no frame to back the pages',
    },
    accepted: 'the pages are backed before the guest is asked to add them',
    check(s) {
      const c = s.command as Extract<HvCommand, { kind: 'hot-add' }>;
      if (s.result.outcome === 'refused') {
        return refusal(s, {
          'hv/not-ready': () => (s.before.hostReady ? 'the host had accepted the capabilities' : null),
          'hv/bad-size': () => (whole(c.pages, 1) ? `${c.pages} is a whole number from 1` : null),
          'hv/outside-hot-add': () => (s.guest.hotAddPages > 0 ? 'the guest has a hot-add region' : null),
          'host/out-of-frames': () => (s.before.hostFree > 0 ? `the host had ${s.before.hostFree} free frames` : null),
        });
      }
      return s.before.hostReady ? null : `guest ${c.guest}'s host sent a hot-add before start-up finished`;
    },
  },
  'offline': {
    source: 'core/hyperv/commands.ts offline (a memory block of hot-added memory offlined, Linux memory hotplug)',
    refusals: { 'hv/nothing-offline': 'no hot-added page is free' },
    accepted: 'every free hot-added page goes offline',
    check(s) {
      if (s.result.outcome === 'refused') return refusal(s, { 'hv/nothing-offline': () => (s.before.hotAddFree > 0 ? `${s.before.hotAddFree} hot-added gpfns were free` : null) });
      const off = s.result.effects.find((e) => e.kind === 'hv-offlined');
      const n = off && off.kind === 'hv-offlined' ? off.gpfns.length : 0;
      return n === s.before.hotAddFree && n > 0 ? null : `offline of guest ${s.command.guest} took ${n} gpfns offline, not the ${s.before.hotAddFree} free hot-added ones`;
    },
  },
  'alloc': {
    source: 'core/world.ts alloc (all or nothing, zero-filled)',
    refusals: { 'guest/oom': 'fewer free pages than asked' },
    accepted: 'a pages-allocated effect of the pages asked; used grows by as many',
    check(s) {
      const c = s.command as Extract<HvCommand, { kind: 'alloc' }>;
      const gpp = s.guest.guestPageGpfns;
      const fits = whole(c.pages, 1) && c.pages * gpp <= s.before.free;
      if (s.result.outcome === 'refused') return refusal(s, { 'guest/oom': () => (fits ? `${s.before.free} gpfns were free for ${c.pages} pages` : null) });
      if (!fits) return `allocating ${c.pages} pages of guest ${c.guest} was accepted with ${s.before.free} gpfns free`;
      return s.after.counts.used === s.before.used + c.pages * gpp && count(s.result, 'pages-allocated') === 1 ? null : `allocating ${c.pages} pages moved guest ${c.guest}'s used count from ${s.before.used} to ${s.after.counts.used}`;
    },
  },
  'free': {
    source: 'core/world.ts free (min(pages, used) of the used pages)',
    refusals: { 'guest/no-used-pages': 'the guest uses no page' },
    accepted: 'a pages-freed effect; used falls by as many',
    check(s) {
      const c = s.command as Extract<HvCommand, { kind: 'free' }>;
      const gpp = s.guest.guestPageGpfns;
      const n = Math.min(c.pages, s.before.used / gpp);
      if (s.result.outcome === 'refused') return refusal(s, { 'guest/no-used-pages': () => (n > 0 ? `guest ${c.guest} used ${s.before.used} gpfns` : null) });
      if (!(n > 0)) return `freeing ${c.pages} pages of guest ${c.guest} was accepted with nothing to free`;
      return s.after.counts.used === s.before.used - n * gpp ? null : `freeing ${n} pages moved guest ${c.guest}'s used count from ${s.before.used} to ${s.after.counts.used}`;
    },
  },
  'write': touch('write'),
  'read': touch('read'),
  'hostile': {
    source: 'docs/INVARIANTS.md invariant 7; core/hyperv/commands.ts HV_HOSTILE_REQUESTS (handed to the driver in the step)',
    refusals: { 'hv/no-request': 'the command came without its message (the runner always fills it in)' },
    accepted: 'exactly one message handled by the driver, marked hostile',
    check(s) {
      const c = s.command as Extract<HvCommand, { kind: 'hostile' }>;
      if (s.result.outcome === 'refused') return refusal(s, { 'hv/no-request': () => (c.msg ? 'the command carried its message' : null) });
      const h = s.result.effects.filter((e) => e.kind === 'hv-handled' && e.hostile);
      return h.length === 1 ? null : `a hostile ${c.request} of guest ${c.guest} reached ${h.length} handled messages, not one`;
    },
  },
};

function touch(kind: 'write' | 'read'): HvCommandContract {
  const effect = kind === 'write' ? 'wrote' : 'read';
  return {
    source: `core/world.ts ${kind} (one used page, chosen by pick)`,
    refusals: { 'guest/no-used-pages': 'the guest uses no page' },
    accepted: `exactly one ${effect} effect`,
    check(s) {
      if (s.result.outcome === 'refused') return refusal(s, { 'guest/no-used-pages': () => (s.before.used === 0 ? null : `guest ${s.command.guest} used ${s.before.used} gpfns`) });
      if (s.before.used === 0) return `a ${what(s.command)} was accepted, but the guest used no page`;
      return count(s.result, effect) === 1 ? null : `an accepted ${what(s.command)} reported ${count(s.result, effect)} ${effect} effects, not one`;
    },
  };
}
