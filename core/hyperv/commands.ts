/**
 * The Hyper-V workload: every choice that makes a run go one way or another, as a command.
 * World commands (set-target, alloc, free, write, read) keep their shared meaning; the family's
 * own are in the protocol's words: the host starting a request toward its target (in how many
 * parts, with ranges how long), the host handling the guest's next message (rejecting a version),
 * the guest's driver handling the host's next message (with a response whose send fails), a
 * status-report tick, a hot-add of part of the region, the guest taking its hot-added memory
 * offline, and a hostile or buggy host's message.
 */
import type { GuestId } from '../ids.ts';
import { formatGuestProgram } from '../world.ts';
import type { HvMessage } from './messages.ts';

/**
 * Malformed messages a hostile or buggy host sends. The guest must refuse them and change
 * nothing (docs/INVARIANTS.md invariant 7, in Hyper-V's words: docs/families/hyperv.md).
 */
export const HV_HOSTILE_REQUESTS = {
  'unballoon-never-ballooned': 'UNBALLOON_REQUEST naming pages the guest never ballooned (in use or free)',
  'unballoon-overlapping': 'UNBALLOON_REQUEST whose ranges overlap',
  'unballoon-outside': 'UNBALLOON_REQUEST naming pages past the end of RAM or in the MMIO hole',
  'unballoon-unaligned': 'UNBALLOON_REQUEST whose range splits a guest page (a 64 KiB guest)',
  'stale-transaction': 'a VERSION_RESPONSE or CAPABILITIES_RESPONSE to no request of the guest\'s that is open, or an UNBALLOON_REQUEST part under another id than the open unballoon\'s',
  'hot-add-outside': 'HOT_ADD_REQUEST of a range outside the guest\'s hot-add region',
} as const;
export type HvHostileKind = keyof typeof HV_HOSTILE_REQUESTS;
export const hvHostileKinds = Object.keys(HV_HOSTILE_REQUESTS) as HvHostileKind[];

export type HvCommand =
  /** The host's wanted balloon size for the guest, in 4 KiB pages (clamped to RAM). */
  | { kind: 'set-target'; guest: GuestId; pages: number }
  /**
   * The host starts a request toward its target when none is in flight: BALLOON_REQUEST for the
   * pages missing, or UNBALLOON_REQUEST naming ballooned ranges (each at most `span` pages, by default the
   * configuration's allocUnit) in at
   * least `parts` parts. A transaction of which nothing is left on the channel is given up first.
   */
  | { kind: 'host-send'; guest: GuestId; parts?: number; span?: number }
  /** The host handles the guest's oldest message; `reject`: a VERSION_REQUEST is rejected. */
  | { kind: 'host-recv'; guest: GuestId; reject?: boolean }
  /** The driver handles the host's oldest message; `fail`: the first response it sends fails to send. */
  | { kind: 'guest'; guest: GuestId; fail?: boolean }
  /** The driver's status timer fires (post_status, about once a second): a STATUS_REPORT. */
  | { kind: 'status'; guest: GuestId }
  /** The host backs `pages` pages of the hot-add region from `pick` and sends HOT_ADD_REQUEST. */
  | { kind: 'hot-add'; guest: GuestId; pick: number; pages: number }
  /** The guest takes the free pages of its hot-added memory offline (a memory block offlined). */
  | { kind: 'offline'; guest: GuestId }
  | { kind: 'alloc'; guest: GuestId; pages: number; pick: number }
  | { kind: 'free'; guest: GuestId; pages: number; pick: number }
  | { kind: 'write'; guest: GuestId; pick: number }
  | { kind: 'read'; guest: GuestId; pick: number }
  /**
   * A malformed host message handed to the driver at once. The message is test input, built by
   * the runner from the observation (properties/hyperv/hostile.ts); traces keep kind and pick only.
   */
  | { kind: 'hostile'; guest: GuestId; request: HvHostileKind; pick: number; msg?: HvMessage };

export type HvCommandKind = HvCommand['kind'];
export const hvCommandKinds: readonly HvCommandKind[] = [
  'set-target', 'host-send', 'host-recv', 'guest', 'status', 'hot-add', 'offline', 'alloc', 'free', 'write', 'read', 'hostile',
];

export function formatHvCommand(c: HvCommand): string {
  switch (c.kind) {
    case 'set-target': return `set-target g${c.guest} ${c.pages}`;
    case 'host-send': return `host-send g${c.guest}${c.parts !== undefined ? ` parts=${c.parts}` : ''}${c.span !== undefined ? ` span=${c.span}` : ''}`;
    case 'host-recv': return `host-recv g${c.guest}${c.reject ? ' reject' : ''}`;
    case 'guest': return `guest g${c.guest}${c.fail ? ' fail' : ''}`;
    case 'status': return `status g${c.guest}`;
    case 'hot-add': return `hot-add g${c.guest} ${c.pages} pick=${c.pick}`;
    case 'offline': return `offline g${c.guest}`;
    case 'alloc': case 'free': case 'write': case 'read': return formatGuestProgram(c);
    case 'hostile': return `hostile g${c.guest} ${c.request} pick=${c.pick}`;
  }
}
