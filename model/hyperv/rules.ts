/**
 * The rules of the Hyper-V charts as named data: every guard is "all rules of its list hold", so
 * when a chart refuses an event the first broken rule says why. Sources: Linux
 * drivers/hv/hv_balloon.c (version_resp, cap_resp, balloon_up, alloc_balloon_pages, balloon_down,
 * hot_add_req, hv_online_page, post_status) and the host's side as the testbed states it
 * (impl/hyperv/host-side.ts, docs/families/hyperv.md).
 */
import { balloonable, lastVersion, type HvGuestContext, type HvHostContext } from './context.ts';
import type { HvEvent } from './events.ts';

export interface Rule<C> { says: string; holds(c: C, e: HvEvent): boolean }
type Ev<T extends HvEvent['type']> = Extract<HvEvent, { type: T }>;
const ev = <T extends HvEvent['type']>(e: HvEvent) => e as Ev<T>;

export const GUEST_RULES = {
  versionAccepted: [{ says: 'an accepted version moves start-up on to the capabilities report (version_resp)', holds: (_c, e) => ev<'G_VERSION'>(e).accepted }],
  versionRetried: [{ says: 'a rejected version is followed by the next older one while there is one (version_resp: DYNMEM_PROTOCOL_VERSION_2, _1)', holds: (c, e) => !ev<'G_VERSION'>(e).accepted && !lastVersion(c) }],
  versionExhausted: [{ says: 'a rejection of the oldest version ends start-up (version_resp: the driver gives up)', holds: (c, e) => !ev<'G_VERSION'>(e).accepted && lastVersion(c) }],
  capsAccepted: [{ says: 'the host accepts the capabilities report (cap_resp); then the protocol is up', holds: (_c, e) => ev<'G_CAPS'>(e).accepted }],
  balloonAsLinux: [
    { says: 'only a 4 KiB guest balloons (Linux 2022: ballooning is disabled unless PAGE_SIZE is 4 KiB)', holds: (c, e) => c.gpp === 1 || ev<'G_BALLOON'>(e).gpfns === 0 },
    { says: 'the responses name exactly the pages taken into the balloon (alloc_balloon_pages: one range per allocation)', holds: (c, e) => c.gpp !== 1 || ev<'G_BALLOON'>(e).given === ev<'G_BALLOON'>(e).gpfns },
    { says: 'balloon_up takes at most what was asked, cut to what is free above the floor', holds: (c, e) => ev<'G_BALLOON'>(e).gpfns <= balloonable(c, ev<'G_BALLOON'>(e).asked) },
    { says: 'balloon_up takes all it may unless a send fails (alloc falls back to single pages)', holds: (c, e) => ev<'G_BALLOON'>(e).returnedPages > 0 || c.gpp !== 1 || ev<'G_BALLOON'>(e).gpfns === balloonable(c, ev<'G_BALLOON'>(e).asked) },
    { says: 'at least one response, the last without more_pages unless a send failed (balloon_up)', holds: (_c, e) => ev<'G_BALLOON'>(e).responses >= 1 && (!ev<'G_BALLOON'>(e).lastMore || ev<'G_BALLOON'>(e).returnedPages > 0) },
  ],
  unballoonPart: [
    { says: 'profile careful: the parts of one unballoon share its transaction id (the testbed\'s careful guest; QEMU hv-balloon sends every part under one id; under sheet the id is not looked at, as Linux balloon_down does not)', holds: (c, e) => !c.careful || c.unballoonTrans === null || c.unballoonTrans === ev<'G_UNBALLOON'>(e).trans },
    { says: 'every page a part names is freed, none more (balloon_down: free_balloon_pages for each range)', holds: (c, e) => ev<'G_UNBALLOON'>(e).gpfns === ev<'G_UNBALLOON'>(e).pages && ev<'G_UNBALLOON'>(e).pages <= c.ballooned },
    { says: 'a part with more_pages is not answered; the last part is answered once (balloon_down)', holds: (_c, e) => ev<'G_UNBALLOON'>(e).answered === !ev<'G_UNBALLOON'>(e).more },
  ],
  hotAddWithinRange: [
    { says: 'hot_add_req onlines only pages of the request, never a gap before it (hv_online_page, "account for gaps in hot add regions")', holds: (_c, e) => ev<'G_HOT_ADD'>(e).onlined <= ev<'G_HOT_ADD'>(e).count },
    { says: 'num_pages_added grows by at most the request\'s pages', holds: (c, e) => ev<'G_HOT_ADD'>(e).added >= c.added && ev<'G_HOT_ADD'>(e).added - c.added <= ev<'G_HOT_ADD'>(e).count },
  ],
  offlineFits: [{ says: 'only online pages go offline', holds: (c, e) => ev<'G_OFFLINE'>(e).gpfns <= c.onlined && ev<'G_OFFLINE'>(e).gpfns <= c.free }],
  statusTruthful: [
    { says: 'committed = used + ballooned + floor + (added - onlined) (post_status, get_pages_committed)', holds: (c, e) => ev<'G_STATUS'>(e).committed === c.used + c.ballooned + c.floor + Math.max(0, c.added - c.onlined) },
    { says: 'the free figure is the free pages', holds: (c, e) => ev<'G_STATUS'>(e).free === c.free },
  ],
  refusedAlone: [{ says: 'a refused host message changes nothing: the step does nothing else', holds: (_c, e) => ev<'G_REFUSED'>(e).alone }],
  allocFits: [{ says: 'a guest program allocates only free pages', holds: (c, e) => ev<'ALLOC'>(e).gpfns <= c.free }],
  freeFits: [{ says: 'a guest program frees only used pages', holds: (c, e) => ev<'FREE'>(e).gpfns <= c.used }],
} satisfies Record<string, Rule<HvGuestContext>[]>;

export const HOST_RULES = {
  balloonTowardTarget: [
    { says: 'the host asks to balloon only a guest that offered ballooning, for the pages missing to its target', holds: (c, e) => ev<'H_REQUEST'>(e).kind === 'balloon' && c.balloonCap && ev<'H_REQUEST'>(e).pages === c.target - c.actual },
  ],
  unballoonTowardTarget: [
    { says: 'the host unballoons at most what it holds above its target, and stops holding those pages', holds: (c, e) => ev<'H_REQUEST'>(e).kind === 'unballoon' && ev<'H_REQUEST'>(e).pages >= 1 && ev<'H_REQUEST'>(e).pages <= c.actual - c.target && ev<'H_REQUEST'>(e).actual === c.actual - ev<'H_REQUEST'>(e).pages },
  ],
  hotAddOffered: [{ says: 'the host offers a hot-add of at least one page', holds: (_c, e) => ev<'H_REQUEST'>(e).kind === 'hot-add' && ev<'H_REQUEST'>(e).pages >= 1 }],
  balloonPart: [
    { says: 'a response of the open balloon transaction; the pages given never exceed the pages asked (balloon_up)', holds: (c, e) => ev<'H_RESPONSE'>(e).kind === 'balloon' && c.given + ev<'H_RESPONSE'>(e).pages <= c.asked },
    { says: 'the host takes exactly the pages a response names', holds: (c, e) => ev<'H_RESPONSE'>(e).actual === c.actual + ev<'H_RESPONSE'>(e).pages },
  ],
  unballoonAnswered: [{ says: 'the unballoon is answered (balloon_down: DM_UNBALLOON_RESPONSE)', holds: (_c, e) => ev<'H_RESPONSE'>(e).kind === 'unballoon' }],
  hotAddAnswered: [{ says: 'the hot-add is answered (hot_add_req: DM_MEM_HOT_ADD_RESPONSE)', holds: (_c, e) => ev<'H_RESPONSE'>(e).kind === 'hot-add' }],
  targetClamped: [{ says: 'the target is a whole number of pages, at most the guest\'s RAM', holds: (c, e) => ev<'TARGET_SET'>(e).target === Math.min(ev<'TARGET_SET'>(e).requested, c.ram) }],
} satisfies Record<string, Rule<HvHostContext>[]>;

export type GuestRuleName = keyof typeof GUEST_RULES;
export type HostRuleName = keyof typeof HOST_RULES;

export function allHold<C>(rules: readonly Rule<C>[], c: C, e: HvEvent): boolean {
  for (const r of rules) if (!r.holds(c, e)) return false;
  return true;
}

export function brokenRule<C>(rules: readonly Rule<C>[], c: C, e: HvEvent): string | null {
  for (const r of rules) if (!r.holds(c, e)) return r.says;
  return null;
}
