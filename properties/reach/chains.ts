/**
 * Ordered chains of events on one host page (issue 22): bugs of partly ballooned host pages need
 * several events in a given order on the same host page (an inflate of one gpfn, a write to its
 * neighbour, a reset, a deflate). The tracker keeps, per touched host page, its last two events
 * and marks each ordered pair and triple of consecutive events as reached. Memory is one small
 * record per host page touched (a Map), never per page of the span.
 */
import type { Situation } from './situation.ts';

/** The events of a chain, the same words in every family (each family says which of its effects is which). */
export const CHAIN_EVENTS = ['inflate', 'deflate', 'reset', 'write', 'free', 'hostile'] as const;
export type ChainEvent = (typeof CHAIN_EVENTS)[number];
const N = CHAIN_EVENTS.length;
export const EV: Readonly<Record<ChainEvent, number>> = Object.fromEntries(CHAIN_EVENTS.map((e, i) => [e, i])) as Record<ChainEvent, number>;

/** What each event means on a host page, for the catalogue's docs. */
const MEANS: Record<ChainEvent, string> = {
  inflate: 'the driver puts a gpfn of it into the balloon',
  deflate: 'the driver takes a gpfn of it out of the balloon',
  reset: 'the guest is reset (every host page of the guest)',
  write: 'the guest program writes a gpfn of it',
  free: 'the guest program frees a gpfn of it',
  hostile: 'a hostile request names a gpfn of it',
};

export const chainName = (events: readonly number[]): string => events.map((e) => CHAIN_EVENTS[e]).join('>');

/**
 * The pair and triple situations, pairs first (index base + a*N + b), then triples (base + N*N +
 * (a*N + b)*N + c). `obstacle` says why a chain cannot happen in a family (null: it can).
 */
export function chainSituations(obstacle: (events: readonly number[]) => string | null = () => null): Situation[] {
  const out: Situation[] = [];
  const add = (evs: number[]) => {
    const why = obstacle(evs);
    out.push({
      name: chainName(evs), group: evs.length === 2 ? 'pair' : 'triple',
      doc: `on one host page, in this order with nothing between: ${evs.map((e) => `${CHAIN_EVENTS[e]} (${MEANS[CHAIN_EVENTS[e]]})`).join(', ')}`,
      ...(why ? { unreachable: why } : {}),
    });
  };
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) add([a, b]);
  for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) for (let c = 0; c < N; c++) add([a, b, c]);
  return out;
}

interface History { n: number; a: number; b: number; step: number }

/**
 * Per case: the last two events of every host page touched, per guest. `base` is the index of
 * the first chain situation in the catalogue (chainSituations' order).
 */
export class ChainTracker {
  private readonly pages: Map<number, History>[];
  private readonly resets: number[];
  private stepNo = -1;

  constructor(guests: number, private readonly hit: Uint8Array, private readonly base: number) {
    this.pages = Array.from({ length: guests }, () => new Map());
    this.resets = new Array<number>(guests).fill(0);
  }

  /** Call once before each step's events: an event repeated within a step on a page counts once. */
  beginStep(index: number): void { this.stepNo = index; }

  /** Event `e` (EV) on host page `page` of guest `guest`. */
  event(guest: number, page: number, e: number): void {
    const map = this.pages[guest];
    if (!map) return;
    let h = map.get(page);
    if (!h) {
      // A page first touched now has lived through every reset of its guest so far.
      const r = this.resets[guest];
      h = { n: Math.min(r, 2), a: EV.reset, b: EV.reset, step: -1 };
      map.set(page, h);
    } else if (h.step === this.stepNo && h.b === e) return;
    this.mark(h, e);
  }

  /** A reset: an event on every host page of the guest, touched or not. */
  reset(guest: number): void {
    const map = this.pages[guest];
    if (!map) return;
    for (const h of map.values()) if (!(h.step === this.stepNo && h.b === EV.reset)) this.mark(h, EV.reset);
    this.resets[guest]++;
  }

  private mark(h: History, e: number): void {
    if (h.n >= 1) this.hit[this.base + h.b * N + e] = 1;
    if (h.n >= 2) this.hit[this.base + N * N + (h.a * N + h.b) * N + e] = 1;
    h.a = h.b; h.b = e; h.n = Math.min(h.n + 1, 2); h.step = this.stepNo;
  }
}

/**
 * Which chains a host page of one gpfn allows (Xen, and virtio with host pages no bigger than a
 * guest page). The gpfn is free, used or ballooned. The driver balloons only free pages (Linux
 * balloon.c decrease_reservation and virtio_balloon fill_balloon take them from the page
 * allocator) and deflates only ballooned ones; the guest program writes and frees only used pages
 * and never touches a ballooned one; a reset rebuilds the guest with every page free and the
 * balloon empty; a hostile request changes nothing (it is refused). Between two events the guest
 * may allocate (free becomes used) and read, which are not chain events. A chain no sequence of
 * states allows gets the reason its first impossible step breaks.
 */
export function singleGpfnObstacle(events: readonly number[]): string | null {
  return gpfnObstacle({})(events);
}

/**
 * How a family's reset meets a host page of one gpfn: `any` (a reboot from any state: Xen,
 * VMware's RESET, after which the guest drops its balloon), `unballooned` (a reset only of a page
 * out of the balloon: VirtualBox's session closes only after its balloon was deflated), `never`
 * (the family has no reset: Hyper-V). `why` says why, for `unballooned` and `never`.
 */
export interface ResetRule {
  reset?: 'any' | 'unballooned' | 'never';
  why?: string;
  /**
   * What a reset leaves: `free` (a reboot: every page free, Xen), or `balloon` (only the balloon
   * is dropped, its pages free, the guest's own pages as they were: VMware's RESET, VirtualBox's
   * session closing).
   */
  leaves?: 'free' | 'balloon';
}

/** singleGpfnObstacle with the family's reset rule (ResetRule). */
export function gpfnObstacle(rule: ResetRule): (events: readonly number[]) => string | null {
  const FREE = 1, USED = 2, BALLOONED = 4;
  const closure = (s: number) => (s & FREE ? s | USED : s);
  const resetNeed = rule.reset === 'unballooned' ? FREE | USED : rule.reset === 'never' ? 0 : FREE | USED | BALLOONED;
  const need: Record<ChainEvent, number> = { inflate: FREE, deflate: BALLOONED, reset: resetNeed, write: USED, free: USED, hostile: FREE | USED | BALLOONED };
  const why: Record<ChainEvent, string> = {
    inflate: 'the driver balloons only a free page, and the page is',
    deflate: 'the driver deflates only a ballooned page, and the page is',
    reset: rule.why ?? '', hostile: '',
    write: 'the guest writes only a page in use (it never touches a ballooned one), and the page is',
    free: 'the guest frees only a page in use, and the page is',
  };
  const word = (s: number) => [s & FREE ? 'free' : '', s & USED ? 'in use' : '', s & BALLOONED ? 'ballooned' : ''].filter(Boolean).join(' or ');
  return (events) => {
    let states = FREE | USED | BALLOONED;
    for (let i = 0; i < events.length; i++) {
      const e = CHAIN_EVENTS[events[i]];
      if (e === 'reset' && rule.reset === 'never') return rule.why ?? 'the family has no reset';
      const ok = closure(states) & need[e];
      if (!ok) return e === 'reset' ? `on a host page of one gpfn, ${why.reset}; the page is ${word(closure(states))} after ${CHAIN_EVENTS[events[i - 1]]}` : `on a host page of one gpfn, ${why[e]} ${word(closure(states))} after ${CHAIN_EVENTS[events[i - 1]]}`;
      const reset = rule.leaves === 'balloon' ? (ok & (FREE | USED)) | (ok & BALLOONED ? FREE : 0) : FREE;
      states = e === 'inflate' ? BALLOONED : e === 'deflate' ? FREE : e === 'reset' ? reset : e === 'write' ? USED : e === 'free' ? FREE : ok;
    }
    return null;
  };
}

/**
 * Which chains a host page of several gpfns allows (virtio with host pages bigger than guest
 * pages; whichever page size a case has, the campaign mixes them, so only what no page size
 * allows is unreachable). Its gpfns may be in every state at once, except after a reset: the reset
 * empties the guest's balloon (VIRTIO 1.x 5.5.6: the device forgets it; the driver starts over), so
 * a deflate there needs an inflate on the page first.
 */
export function multiGpfnObstacle(events: readonly number[]): string | null {
  let ballooned = true;
  for (let i = 0; i < events.length; i++) {
    const e = CHAIN_EVENTS[events[i]];
    if (e === 'deflate' && !ballooned) return 'a deflate needs a ballooned gpfn on the page, and a reset emptied the balloon with no inflate on the page since';
    if (e === 'reset') ballooned = false;
    if (e === 'inflate') ballooned = true;
  }
  return null;
}
