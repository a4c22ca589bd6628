/**
 * The VirtualBox workload: every choice that makes a run go one way or another, as a command, in
 * the words of VBoxGuest.cpp and VMMDev: the host's wanted balloon size (and its event), the event
 * delivered to the guest, one step of the guest's balloon worker, the host's EMT applying a queued
 * change (several CPUs only), the host failing a request, the guest's balloon session closing,
 * guest programs, and hostile VMMDev requests.
 */
import type { GuestId } from '../ids.ts';
import { formatGuestProgram } from '../world.ts';

/**
 * Malformed VMMDevReq_ChangeMemBalloon requests a hostile or broken guest sends. The host must
 * refuse them and change nothing (docs/INVARIANTS.md invariant 7, in VirtualBox's words).
 */
export const VBOX_HOSTILE_REQUESTS = {
  'count': 'ChangeMemBalloon with a page count other than one chunk (cPages != VMMDEV_MEMORY_BALLOON_CHUNK_PAGES)',
  'unaligned': 'ChangeMemBalloon inflate with a page address that is not 4 KiB aligned (not the first one)',
  'hole': 'ChangeMemBalloon inflate with a page in the MMIO hole (not PGMPAGETYPE_RAM), after good pages',
  'past-ram': 'ChangeMemBalloon inflate with a page past the guest\'s RAM (no page of the guest), after good pages',
  'deflate-never-inflated': 'ChangeMemBalloon deflate of pages the host does not hold as ballooned',
  'inflate-twice': 'ChangeMemBalloon inflate of pages the host already holds as ballooned',
} as const;
export type VboxHostileKind = keyof typeof VBOX_HOSTILE_REQUESTS;
export const vboxHostileKinds = Object.keys(VBOX_HOSTILE_REQUESTS) as VboxHostileKind[];

/** One ChangeMemBalloon as a guest sends it: byte addresses of guest-physical pages. */
export interface VboxRequest { inflate: boolean; addrs: readonly number[] }

/** Statuses a ChangeMemBalloon request can be failed with (the host's `refuse`). */
export type VboxRefusal = 'VERR_NO_MEMORY' | 'VERR_GMM_SEED_ME';
export const vboxRefusals: readonly VboxRefusal[] = ['VERR_NO_MEMORY', 'VERR_GMM_SEED_ME'];

export type VboxCommand =
  /** The host's wanted balloon size in chunks (VBoxManage controlvm guestmemoryballoon, in MiB); raises VMMDEV_EVENT_BALLOON_CHANGE_REQUEST. */
  | { kind: 'set-target'; guest: GuestId; chunks: number }
  /** The VMMDev interrupt reaches the guest: a pending balloon event is seen (VGDrvCommonISR). */
  | { kind: 'deliver'; guest: GuestId }
  /** The guest's balloon worker takes one step: fetch the wanted size when told, else send one chunk. */
  | { kind: 'step'; guest: GuestId }
  /** The host's EMT applies the oldest queued change (pgmR3PhysChangeMemBalloonHelper); several CPUs only. */
  | { kind: 'apply'; guest: GuestId }
  /** The host will fail the guest's next ChangeMemBalloon with `status`. */
  | { kind: 'refuse'; guest: GuestId; status: VboxRefusal }
  /** The guest's balloon session closes (vgdrvCloseMemBalloon): the balloon is deflated from the top. */
  | { kind: 'close'; guest: GuestId }
  | { kind: 'alloc'; guest: GuestId; pages: number; pick: number }
  | { kind: 'free'; guest: GuestId; pages: number; pick: number }
  | { kind: 'write'; guest: GuestId; pick: number }
  | { kind: 'read'; guest: GuestId; pick: number }
  /**
   * A malformed ChangeMemBalloon issued as if by the guest. The request is test input, built by
   * the runner from the observation (properties/virtualbox/hostile.ts); traces keep kind and pick only.
   */
  | { kind: 'hostile'; guest: GuestId; request: VboxHostileKind; pick: number; req?: VboxRequest };

export type VboxCommandKind = VboxCommand['kind'];
export const vboxCommandKinds: readonly VboxCommandKind[] = [
  'set-target', 'deliver', 'step', 'apply', 'refuse', 'close', 'alloc', 'free', 'write', 'read', 'hostile',
];

/** One line of the runnable form of a command. */
export function formatVboxCommand(c: VboxCommand): string {
  switch (c.kind) {
    case 'set-target': return `set-target g${c.guest} ${c.chunks}M`;
    case 'deliver': case 'step': case 'apply': case 'close': return `${c.kind} g${c.guest}`;
    case 'refuse': return `refuse g${c.guest} ${c.status}`;
    case 'alloc': case 'free': case 'write': case 'read': return formatGuestProgram(c);
    case 'hostile': return `hostile g${c.guest} ${c.request} pick=${c.pick}`;
  }
}
