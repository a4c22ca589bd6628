/**
 * The VMware workload: every choice that makes a run go one way or another, as a command. World
 * commands (set-target, alloc, free, write, read) keep their shared meaning; the family's own are
 * in vmw_balloon's words: the balloon worker running (vmballoon_work), the host's answers chosen
 * ahead (per-entry refusals, a busy host, a RESET), a ballooned page migrated by compaction, and
 * hostile backdoor commands.
 */
import type { GuestId } from '../ids.ts';
import { formatGuestProgram } from '../world.ts';

/** Backdoor commands (vmw_balloon.c enum vmballoon_cmd_type). */
export type VmwCmd =
  | 'start' | 'get-target' | 'lock' | 'unlock' | 'guest-id'
  | 'batched-lock' | 'batched-unlock' | 'batched-2m-lock' | 'batched-2m-unlock' | 'doorbell-set';

/** The commands that lock or unlock pages, and whether each is batched and of large pages. */
export const PAGE_CMDS: Readonly<Record<string, { lock: boolean; batched: boolean; large: boolean }>> = {
  'lock': { lock: true, batched: false, large: false },
  'unlock': { lock: false, batched: false, large: false },
  'batched-lock': { lock: true, batched: true, large: false },
  'batched-unlock': { lock: false, batched: true, large: false },
  'batched-2m-lock': { lock: true, batched: true, large: true },
  'batched-2m-unlock': { lock: false, batched: true, large: true },
};

/** Statuses the host answers (vmw_balloon.c VMW_BALLOON_SUCCESS, VMW_BALLOON_ERROR_*). */
export type VmwStatus =
  | 'success' | 'success-with-caps' | 'cmd-invalid' | 'ppn-invalid' | 'ppn-locked' | 'ppn-unlocked'
  | 'ppn-pinned' | 'ppn-not-needed' | 'reset' | 'busy';

/**
 * Malformed backdoor commands a hostile or broken guest sends. The host must refuse them and
 * change nothing (docs/INVARIANTS.md invariant 7, in VMware's words: docs/families/vmware.md).
 */
export const VMW_HOSTILE_REQUESTS = {
  'ppn-invalid': 'LOCK of a page number outside the guest\'s RAM (past its end, or in its MMIO hole)',
  'foreign': 'LOCK of page numbers that only another guest has',
  'double-lock': 'LOCK of a page the host already holds locked',
  'unlock-unlocked': 'UNLOCK of a page the host does not hold locked',
  'large-without-cap': 'BATCHED_2M_LOCK from a guest the host did not grant both batched capabilities',
  'batched-without-cap': 'BATCHED_LOCK from a guest the host granted only the basic commands',
} as const;
export type VmwHostileKind = keyof typeof VMW_HOSTILE_REQUESTS;
export const vmwHostileKinds = Object.keys(VMW_HOSTILE_REQUESTS) as VmwHostileKind[];

/** One page command as a guest issues it: page numbers (PPNs, not gpfns). */
export interface VmwRequest { cmd: VmwCmd; ppns: readonly number[] }

/** Per-entry refusals the host can be told to give (VMW_BALLOON_ERROR_PPN_PINNED, _PPN_NOTNEEDED). */
export type VmwRefusal = 'pinned' | 'not-needed';

export type VmwCommand =
  /** The host's balloon target for the guest, in 4 KiB pages; delivered with the next successful reply. */
  | { kind: 'set-target'; guest: GuestId; pages: number }
  /** The guest's balloon worker runs once (vmballoon_work: a reset if one is due, GET_TARGET, inflate or deflate). */
  | { kind: 'work'; guest: GuestId }
  /** The host will refuse the next `entries` page entries of this guest with `status`. */
  | { kind: 'refuse'; guest: GuestId; status: VmwRefusal; entries: number }
  /** The host answers the guest's backdoor command after the next `after` ones with ERROR_BUSY as a whole. */
  | { kind: 'busy'; guest: GuestId; after: number }
  /** The host forgets the guest's balloon (a VM resumed, migrated by vMotion): it answers RESET until START. */
  | { kind: 'host-reset'; guest: GuestId }
  /** Compaction migrates one ballooned 4 KiB page, chosen by `pick` (vmballoon_migratepage). */
  | { kind: 'migrate'; guest: GuestId; pick: number }
  | { kind: 'alloc'; guest: GuestId; pages: number; pick: number }
  | { kind: 'free'; guest: GuestId; pages: number; pick: number }
  | { kind: 'write'; guest: GuestId; pick: number }
  | { kind: 'read'; guest: GuestId; pick: number }
  /**
   * A malformed backdoor command issued as if by the guest. The request is test input, built by
   * the runner from the observation (properties/vmware/hostile.ts); traces keep kind and pick only.
   */
  | { kind: 'hostile'; guest: GuestId; request: VmwHostileKind; pick: number; req?: VmwRequest };

export type VmwCommandKind = VmwCommand['kind'];
export const vmwCommandKinds: readonly VmwCommandKind[] = [
  'set-target', 'work', 'refuse', 'busy', 'host-reset', 'migrate', 'alloc', 'free', 'write', 'read', 'hostile',
];

/** One line of the runnable form of a command. */
export function formatVmwCommand(c: VmwCommand): string {
  switch (c.kind) {
    case 'set-target': return `set-target g${c.guest} ${c.pages}`;
    case 'work': return `work g${c.guest}`;
    case 'refuse': return `refuse g${c.guest} ${c.status} x${c.entries}`;
    case 'busy': return `busy g${c.guest} after=${c.after}`;
    case 'host-reset': return `host-reset g${c.guest}`;
    case 'migrate': return `migrate g${c.guest} pick=${c.pick}`;
    case 'alloc': case 'free': case 'write': case 'read': return formatGuestProgram(c);
    case 'hostile': return `hostile g${c.guest} ${c.request} pick=${c.pick}`;
  }
}
