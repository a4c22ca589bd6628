/**
 * The rules of the VirtualBox charts as named data: every guard is "all rules of its list hold",
 * so when a chart refuses an event the first broken rule says why. Sources: VBoxGuest.cpp
 * (vboxGuestSetBalloonSizeKernel, vboxGuestBalloonInflate, vboxGuestBalloonDeflate,
 * vboxGuestCloseMemBalloon), VMMDev.cpp (VMMDevReq_GetMemBalloonChangeRequest,
 * VMMDevReq_ChangeMemBalloon), PGMPhys.cpp (PGMR3PhysChangeMemBalloon,
 * pgmR3PhysChangeMemBalloonRendezvous).
 */
import type { VboxEvent } from './events.ts';

/** The guest chart's context: what VBoxGuest's MemBalloon holds. */
export interface VboxGuestContext { chunks: number; wanted: number; max: number; chunkPages: number; inflating: boolean }
/** The host chart's context: PGM's ballooned count, the EMT's queue, the event. */
export interface VboxHostContext { ballooned: number; queued: number; eventPending: boolean; chunkPages: number; smp: boolean }

export interface Rule<C> { says: string; holds(c: C, e: VboxEvent): boolean }
type Ev<T extends VboxEvent['type']> = Extract<VboxEvent, { type: T }>;
const ch = (e: VboxEvent) => e as Ev<'CHANGE'>;
const FAILED = new Set(['VERR_NO_MEMORY', 'VERR_GMM_SEED_ME']);

const oneChunk: Rule<VboxGuestContext> = { says: 'one chunk of 4 KiB aligned pages (VMMDEV_MEMORY_BALLOON_CHUNK_PAGES)', holds: (c, e) => ch(e).pages === c.chunkPages && ch(e).aligned };
const inflateDue: Rule<VboxGuestContext>[] = [
  { says: 'an inflate', holds: (_c, e) => ch(e).inflate },
  oneChunk,
  { says: 'fewer chunks than wanted, and below the maximum (vboxGuestSetBalloonSizeKernel)', holds: (c) => c.chunks < c.wanted && c.chunks < c.max },
];
const deflateDue: Rule<VboxGuestContext>[] = [
  { says: 'a deflate', holds: (_c, e) => !ch(e).inflate },
  oneChunk,
  { says: 'chunks to give back (more than wanted, or the session closing)', holds: (c) => c.chunks > 0 },
];
const wantsFewer: Rule<VboxGuestContext> = { says: 'more chunks than wanted (the session open)', holds: (c) => c.chunks > c.wanted };
const done: Rule<VboxGuestContext> = { says: 'done by the host inside the request (one CPU)', holds: (_c, e) => ch(e).rc === 'VINF_SUCCESS' && !ch(e).queued && ch(e).applied };
const queued: Rule<VboxGuestContext> = { says: 'queued on the host\'s EMT (several CPUs), not done yet', holds: (_c, e) => ch(e).rc === 'VINF_SUCCESS' && ch(e).queued && !ch(e).applied };
const failed: Rule<VboxGuestContext> = { says: 'failed by the host, nothing done', holds: (_c, e) => FAILED.has(ch(e).rc) && !ch(e).queued && !ch(e).applied };

export const GUEST_RULES = {
  fetchAccepted: [
    { says: 'a wanted size within the maximum chunk count is taken (vboxGuestSetBalloonSizeKernel)', holds: (c, e) => (e as Ev<'FETCH'>).accepted && (e as Ev<'FETCH'>).wanted <= c.max },
  ],
  fetchRefused: [
    { says: 'a wanted size above the maximum chunk count is refused with VERR_INVALID_PARAMETER', holds: (c, e) => !(e as Ev<'FETCH'>).accepted && (e as Ev<'FETCH'>).wanted > c.max },
  ],
  maxKnown: [{ says: 'the guest has room for at least one chunk', holds: (c) => c.max > 0 }],
  inflateDone: [...inflateDue, done],
  inflateQueued: [...inflateDue, queued],
  inflateFailed: [...inflateDue, failed],
  deflateDone: [...deflateDue, done],
  deflateQueued: [...deflateDue, queued],
  deflateFailed: [...deflateDue, failed],
  wantedDeflateDone: [...deflateDue, wantsFewer, done],
  wantedDeflateQueued: [...deflateDue, wantsFewer, queued],
  wantedDeflateFailed: [...deflateDue, wantsFewer, failed],
  ownApplied: [{ says: 'the EMT applied the driver\'s own queued change, in its direction', holds: (c, e) => (e as Ev<'APPLIED'>).inflate === c.inflating }],
  sizeCounted: [{ says: 'the size written is the counted chunks (a queued change is not counted before the EMT applied it)', holds: (c, e) => (e as Ev<'SIZE'>).actual === c.chunks * c.chunkPages }],
  short: [{ says: 'out of free pages only while inflating toward the wanted size', holds: (c) => c.chunks < c.wanted }],
  balloonEmpty: [{ says: 'the session closes only with the balloon empty (vboxGuestCloseMemBalloon)', holds: (c) => c.chunks === 0 }],
} satisfies Record<string, readonly Rule<VboxGuestContext>[]>;

const hc = (e: VboxEvent) => e as Ev<'CHANGE'> | Ev<'HOSTILE'>;
export const HOST_RULES = {
  hostileRefused: [
    { says: 'a malformed request is answered VERR_INVALID_PARAMETER, neither queued nor done', holds: (_c, e) => hc(e).rc === 'VERR_INVALID_PARAMETER' && !hc(e).queued && !hc(e).applied },
  ],
  doneInline: [
    { says: 'one CPU: the change is done inside the request (VMMR3EmtRendezvous)', holds: (c, e) => !c.smp && hc(e).rc === 'VINF_SUCCESS' && !hc(e).queued && hc(e).applied },
  ],
  postedToEmt: [
    { says: 'several CPUs: the change is posted to an EMT and the request returns (VMR3ReqCallNoWait)', holds: (c, e) => c.smp && hc(e).rc === 'VINF_SUCCESS' && hc(e).queued && !hc(e).applied },
  ],
  failedArmed: [
    { says: 'a failed request does nothing', holds: (_c, e) => FAILED.has(hc(e).rc) && !hc(e).queued && !hc(e).applied },
  ],
  lastQueued: [{ says: 'the last queued change', holds: (c) => c.queued === 1 }],
  moreQueued: [{ says: 'more changes queued', holds: (c) => c.queued > 1 }],
  eventPending: [{ says: 'the balloon event was raised and not acknowledged', holds: (c) => c.eventPending }],
} satisfies Record<string, readonly Rule<VboxHostContext>[]>;

export function allHold<C>(rules: readonly Rule<C>[], c: C, e: VboxEvent): boolean {
  return rules.every((r) => r.holds(c, e));
}

/** The first rule of `rules` that does not hold, in words; null when all hold. */
export function brokenRule<C>(rules: readonly Rule<C>[], c: C, e: VboxEvent): string | null {
  return rules.find((r) => !r.holds(c, e))?.says ?? null;
}
