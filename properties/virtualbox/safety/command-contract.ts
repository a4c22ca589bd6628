import { physChunksOf, type VboxCommand, type VboxEffect, type VboxObservation, type VboxStepResult } from '../../../core/virtualbox/index.ts';
import type { StepContext } from '../../property.ts';
import type { VboxBefore, VboxProperty } from '../property.ts';
import { stateless } from '../../property.ts';

type Ctx = StepContext<VboxCommand, VboxObservation, VboxBefore, VboxStepResult>;

const count = (r: VboxStepResult, kind: VboxEffect['kind']) => r.effects.filter((e) => e.kind === kind).length;
const whole = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
/** Requests the host fails ahead at most (impl/virtualbox/host.ts MAX_ARMED, the contract of `refuse`). */
const MAX_ARMED = 4;

/**
 * What the balloon worker's step must do, from the state before it (VBoxGuest.cpp
 * vboxGuestSetBalloonSizeKernel and vboxGuestCloseMemBalloon, one request a step): the one
 * request it sends, or null when it must send none.
 */
function dueRequest(b: VboxBefore): 'wait' | 'close-done' | 'fetch' | 'inflate' | 'deflate' | null {
  if (b.inFlight) return 'wait';
  if (b.closing) return b.chunks > 0 ? 'deflate' : 'close-done';
  if (b.told) return 'fetch';
  if (b.maxChunks === 0) return null;
  if (b.chunks < b.wanted) return 'inflate';
  if (b.chunks > b.wanted) return 'deflate';
  return null;
}

/**
 * What each command must do when accepted, and when each refusal is legal (core/virtualbox/
 * commands.ts, core/virtualbox/errors.ts), checked on every step: an implementation that ignores
 * the host's wanted size, never fetches it, never sends a chunk, never applies what it queued, or
 * refuses what it may not, fails here. Returns what is wrong, or null.
 */
function judge(s: Ctx, config: { chunkPages: number; physChunks: number }): string | null {
  const { command: c, result: r, before: b, obs } = s;
  const g = obs.guests[c.guest];
  const what = `${c.kind} of guest ${c.guest}`;
  const cp = config.chunkPages;
  if (r.outcome === 'refused') {
    const legal: Record<string, boolean> = {
      'virtualbox/bad-target': c.kind === 'set-target' && !whole(c.chunks, 0, Number.MAX_SAFE_INTEGER),
      'virtualbox/nothing-queued': c.kind === 'apply' && b.queued === 0,
      'virtualbox/armed-full': c.kind === 'refuse' && b.armed >= MAX_ARMED,
      'virtualbox/no-request': c.kind === 'hostile' && !c.req,
      'guest/oom': c.kind === 'alloc' && (!whole(c.pages, 1, Number.MAX_SAFE_INTEGER) || b.free < c.pages),
      'guest/no-used-pages': (c.kind === 'free' || c.kind === 'write' || c.kind === 'read') && b.used === 0,
      'host/out-of-frames': (c.kind === 'alloc' || c.kind === 'write' || c.kind === 'read') && b.hostFree < (c.kind === 'alloc' ? c.pages : 1),
      'guest/unknown': !g,
    };
    return legal[r.code] ? null : `a ${what} was refused (${r.code}) when it may not be`;
  }
  if (!g) return `a ${what} was accepted, but there is no such guest`;
  const v = g.virtualbox;
  switch (c.kind) {
    case 'set-target': {
      if (!whole(c.chunks, 0, Number.MAX_SAFE_INTEGER)) return `a malformed wanted size ${c.chunks} for guest ${c.guest} was accepted`;
      const want = Math.min(c.chunks, config.physChunks);
      if (v.host.wanted !== want || g.target !== want * cp) return `the host wants ${v.host.wanted} chunks (target ${g.target}) of guest ${c.guest}, not ${want} after set-target ${c.chunks}`;
      return v.host.eventPending ? null : `set-target of guest ${c.guest} raised no balloon event`;
    }
    case 'deliver': {
      const due = b.eventPending && !b.told;
      const got = r.effects.some((e) => e.kind === 'balloon-event' && e.step === 'delivered');
      if (due && (!got || !v.driver.told)) return `a pending balloon event of guest ${c.guest} was not delivered`;
      if (!due && got) return `a balloon event was delivered to guest ${c.guest} with none pending (or one already seen)`;
      return null;
    }
    case 'step': {
      const due = dueRequest(b);
      const gets = count(r, 'get-balloon-req');
      const changes = r.effects.filter((e) => e.kind === 'change-balloon' && e.origin === 'driver');
      const puff = count(r, 'out-of-puff');
      if (due === 'fetch') return gets === 1 && changes.length === 0 && !v.driver.told && !v.host.eventPending ? null : `guest ${c.guest} was told of the balloon event but its step did not fetch the wanted size (acknowledging the event) and nothing else`;
      if (gets > 0) return `guest ${c.guest} fetched the wanted size without being told of an event`;
      if (due === 'close-done') return count(r, 'session') === 1 && !v.driver.closing ? null : `guest ${c.guest}'s closing session, its balloon empty, did not close`;
      if (due === 'inflate') {
        if (changes.length === 0 && puff === 1 && b.free < cp) return null;
        return changes.length === 1 && changes[0].kind === 'change-balloon' && changes[0].inflate ? null : `guest ${c.guest} has ${b.chunks} chunks and wants ${b.wanted}, but its step sent no inflate`;
      }
      if (due === 'deflate') return changes.length === 1 && changes[0].kind === 'change-balloon' && !changes[0].inflate ? null : `guest ${c.guest} has ${b.chunks} chunks and wants ${b.closing ? 'none (closing)' : b.wanted}, but its step sent no deflate`;
      return changes.length === 0 ? null : `guest ${c.guest}'s step sent a request with nothing to do${due === 'wait' ? ' (its last one still queued)' : ''}`;
    }
    case 'apply':
      return count(r, 'balloon-applied') === 1 && v.host.queue.length === b.queued - 1 ? null : `the EMT of guest ${c.guest} applied ${count(r, 'balloon-applied')} changes with ${b.queued} queued`;
    case 'refuse': return count(r, 'armed') === 1 && v.host.armed === b.armed + 1 ? null : `a refusal armed for guest ${c.guest} was not recorded`;
    case 'close': return v.driver.closing ? null : `guest ${c.guest}'s balloon session did not start to close`;
    case 'alloc': {
      const a = r.effects.find((e) => e.kind === 'pages-allocated');
      if (b.free < c.pages) return `allocating ${c.pages} pages of guest ${c.guest} was accepted with ${b.free} free`;
      return a && a.kind === 'pages-allocated' && a.gpfns.length === c.pages && g.counts.used === b.used + c.pages ? null : `allocating ${c.pages} pages of guest ${c.guest} moved its used count from ${b.used} to ${g.counts.used}`;
    }
    case 'free': {
      const n = Math.min(c.pages, b.used);
      const f = r.effects.find((e) => e.kind === 'pages-freed');
      if (n <= 0) return `freeing pages of guest ${c.guest} was accepted with nothing to free`;
      return f && f.kind === 'pages-freed' && f.gpfns.length === n && g.counts.used === b.used - n ? null : `freeing ${n} pages of guest ${c.guest} moved its used count from ${b.used} to ${g.counts.used}`;
    }
    case 'write': case 'read': {
      const k = c.kind === 'write' ? 'wrote' : 'read';
      if (b.used === 0) return `a ${c.kind} of guest ${c.guest} was accepted, but it used no page`;
      return count(r, k) === 1 ? null : `an accepted ${c.kind} of guest ${c.guest} reported ${count(r, k)} ${k} effects, not one`;
    }
    case 'hostile': {
      const h = r.effects.filter((e) => e.kind === 'change-balloon' && e.origin === 'hostile').length;
      return h === 1 ? null : `a hostile ${c.request} request of guest ${c.guest} reached the host ${h} times, not once`;
    }
  }
}

export const vboxCommandContract: VboxProperty = {
  name: 'virtualbox-command-contract',
  kind: 'always',
  doc: 'each accepted command did what it says (a step sends the request that is due); each refusal was one the command allows',
  refs: 'core/virtualbox/commands.ts, core/virtualbox/errors.ts; VBoxGuest.cpp vboxGuestSetBalloonSizeKernel (one request a step here)',
  monitor: (config) => stateless({
    step(s) {
      const gc = config.guests[s.command.guest];
      const m = judge(s, { chunkPages: config.chunkPages, physChunks: gc ? physChunksOf(gc, config.chunkPages) : 0 });
      return m ? { message: m, guest: s.command.guest } : null;
    },
  }),
};
