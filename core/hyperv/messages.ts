/**
 * The dynamic-memory protocol's messages (Linux drivers/hv/hv_balloon.c, enum dm_message_type
 * and the structs after it), reduced to the fields the testbed reads. Every message carries the
 * transaction id of its header (dm_header.trans_id): the guest stamps every message it sends,
 * its responses included, with the next number of its own counter (Linux atomic_inc_return in
 * balloon_up, balloon_down, hot_add_req, post_status) and never compares ids; the host numbers
 * its requests and echoes the guest's id in VERSION_RESPONSE and CAPABILITIES_RESPONSE (QEMU
 * hv-balloon does). A guest response is matched to the host's open transaction by the host's
 * state, never by its id (QEMU's response handlers go by state; docs/families/hyperv.md).
 */

/** Protocol versions, newest first: the guest proposes each in turn (DYNMEM_PROTOCOL_VERSION_3, _2, _1). */
export const HV_VERSIONS = ['2.0', '1.0', '0.3'] as const;
export type HvVersion = (typeof HV_VERSIONS)[number];

/** A page range, {start page, page count}, in 4 KiB pages (union dm_mem_page_range). */
export interface HvRange { start: number; count: number }

export type HvMessage =
  | { type: 'version-request'; trans: number; version: HvVersion }
  | { type: 'version-response'; trans: number; accepted: boolean }
  | { type: 'caps-report'; trans: number; balloon: boolean; hotAdd: boolean }
  | { type: 'caps-response'; trans: number; accepted: boolean }
  /** DM_STATUS_REPORT: free pages and committed (used + ballooned + floor + added not online). */
  | { type: 'status'; trans: number; free: number; committed: number }
  | { type: 'balloon-request'; trans: number; pages: number }
  /** more: set on all but the last response of one request. */
  | { type: 'balloon-response'; trans: number; ranges: readonly HvRange[]; more: boolean }
  | { type: 'unballoon-request'; trans: number; ranges: readonly HvRange[]; more: boolean }
  | { type: 'unballoon-response'; trans: number }
  | { type: 'hot-add-request'; trans: number; range: HvRange }
  /** result 1 with pages 0 is a permanent failure (hot_add_req). */
  | { type: 'hot-add-response'; trans: number; pages: number; result: 0 | 1 };

export type HvMessageType = HvMessage['type'];

const ranges = (r: readonly HvRange[]) => r.map((x) => `${x.start}+${x.count}`).join(',');

/** One message in a line, as counterexamples print it. */
export function formatHvMessage(m: HvMessage): string {
  switch (m.type) {
    case 'version-request': return `VERSION_REQUEST#${m.trans}(${m.version})`;
    case 'version-response': return `VERSION_RESPONSE#${m.trans}(${m.accepted ? 'accepted' : 'rejected'})`;
    case 'caps-report': return `CAPABILITIES_REPORT#${m.trans}(balloon=${m.balloon ? 1 : 0} hot_add=${m.hotAdd ? 1 : 0})`;
    case 'caps-response': return `CAPABILITIES_RESPONSE#${m.trans}(${m.accepted ? 'accepted' : 'rejected'})`;
    case 'status': return `STATUS_REPORT#${m.trans}(free=${m.free} committed=${m.committed})`;
    case 'balloon-request': return `BALLOON_REQUEST#${m.trans}(${m.pages})`;
    case 'balloon-response': return `BALLOON_RESPONSE#${m.trans}([${ranges(m.ranges)}]${m.more ? ' more' : ''})`;
    case 'unballoon-request': return `UNBALLOON_REQUEST#${m.trans}([${ranges(m.ranges)}]${m.more ? ' more' : ''})`;
    case 'unballoon-response': return `UNBALLOON_RESPONSE#${m.trans}`;
    case 'hot-add-request': return `HOT_ADD_REQUEST#${m.trans}(${m.range.start}+${m.range.count})`;
    case 'hot-add-response': return `HOT_ADD_RESPONSE#${m.trans}(pages=${m.pages} result=${m.result})`;
  }
}

/** Pages a list of ranges names. */
export const rangePages = (r: readonly HvRange[]): number => r.reduce((n, x) => n + x.count, 0);
