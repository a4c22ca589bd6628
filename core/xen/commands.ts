/**
 * The Xen workload: every choice that makes a run go one way or another, as a command. World
 * commands (set-target, alloc, free, write, read, reset, hostile) keep their shared meaning; the
 * family's own are in Xen's words: the balloon thread getting the CPU (with how many extents the
 * hypervisor will do and whether a preemption is pending), time passing on a virtual clock, and
 * a backend borrowing ballooned pages (xen_alloc_ballooned_pages) and giving them back.
 */
import type { GuestId } from '../ids.ts';
import { formatGuestProgram } from '../world.ts';

/** Xen memory ops a domain issues (xen/include/public/memory.h). */
export type XenMemOp = 'decrease' | 'populate';

/**
 * Malformed memory ops a hostile or broken guest issues. The hypervisor must refuse them and
 * change nothing (docs/INVARIANTS.md invariant 7, in Xen's words: docs/families/xen.md).
 */
export const XEN_HOSTILE_REQUESTS = {
  'misaligned': 'decrease_reservation of an order-k extent at a gpfn not aligned to 2^k (XSA-388)',
  'order-too-large': 'decrease_reservation with an extent order above the domain\'s maximum (XSA-31, XSA-158)',
  'foreign': 'decrease_reservation of gpfns that exist only in another domain\'s memory',
  'already-released': 'decrease_reservation of gpfns the domain already gave back',
  'hole': 'decrease_reservation of gpfns in the domain\'s MMIO hole',
  'populate-backed': 'populate_physmap of gpfns that are already backed',
  'pod-populate': 'populate_physmap with the populate-on-demand flag, asked by the guest itself',
} as const;
export type XenHostileKind = keyof typeof XEN_HOSTILE_REQUESTS;
export const xenHostileKinds = Object.keys(XEN_HOSTILE_REQUESTS) as XenHostileKind[];

/** One memory op as a guest issues it: the extents' first gpfns, all of one order. */
export interface XenRequest {
  op: XenMemOp;
  order: number;
  gpfns: readonly number[];
  /** XENMEMF_populate_on_demand: a toolstack-only flag. */
  pod?: boolean;
}

export type XenCommand =
  /** The toolstack writes memory/target (xenstore), converted once to 4 KiB pages; printed in KiB. */
  | { kind: 'set-target'; guest: GuestId; pages: number }
  /**
   * The guest's balloon thread gets the CPU (balloon_thread): it runs one pass if it is due (its
   * timeout expired or the credit changed), else stays asleep. `grant`: how many extents the
   * hypervisor does for a populate, absent for all it can (a short count is a host short of
   * frames). `preempt`: a preemption is pending when the hypercall enters.
   */
  | { kind: 'thread'; guest: GuestId; grant?: number; preempt?: boolean }
  /** The virtual clock moves forward `seconds` for every domain. */
  | { kind: 'tick'; guest: GuestId; seconds: number }
  /** A backend borrows `pages` ballooned pages for foreign mappings (xen_alloc_ballooned_pages). */
  | { kind: 'lend'; guest: GuestId; pages: number }
  /** The backend gives `pages` of them back (xen_free_ballooned_pages). */
  | { kind: 'unlend'; guest: GuestId; pages: number }
  | { kind: 'alloc'; guest: GuestId; pages: number; pick: number }
  | { kind: 'free'; guest: GuestId; pages: number; pick: number }
  | { kind: 'write'; guest: GuestId; pick: number }
  | { kind: 'read'; guest: GuestId; pick: number }
  /** The domain is rebuilt (xl reboot): every page back, the balloon empty, the target kept. */
  | { kind: 'reset'; guest: GuestId }
  /**
   * A malformed memory op issued as if by the guest. The request is test input, built by the
   * runner from the observation (properties/xen/hostile.ts); traces keep kind and pick only.
   */
  | { kind: 'hostile'; guest: GuestId; request: XenHostileKind; pick: number; req?: XenRequest };

export type XenCommandKind = XenCommand['kind'];
export const xenCommandKinds: readonly XenCommandKind[] = [
  'set-target', 'thread', 'tick', 'lend', 'unlend', 'alloc', 'free', 'write', 'read', 'reset', 'hostile',
];

/** One line of the runnable form of a command; a target is printed in KiB as `xl mem-set` takes it. */
export function formatXenCommand(c: XenCommand): string {
  switch (c.kind) {
    case 'set-target': return `set-target g${c.guest} ${c.pages * 4}k`;
    case 'thread': return `thread g${c.guest}${c.grant !== undefined ? ` grant=${c.grant}` : ''}${c.preempt ? ' preempt' : ''}`;
    case 'tick': return `tick ${c.seconds}s`;
    case 'lend': return `lend g${c.guest} ${c.pages}`;
    case 'unlend': return `unlend g${c.guest} ${c.pages}`;
    case 'alloc': case 'free': case 'write': case 'read': return formatGuestProgram(c);
    case 'reset': return `reset g${c.guest}`;
    case 'hostile': return `hostile g${c.guest} ${c.request} pick=${c.pick}`;
  }
}
