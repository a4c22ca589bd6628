/**
 * The world every balloon protocol works over, whatever its family: host frames, each guest's
 * gpfn → frame map and second (DMA) view, the guest's own view of each page, what the host holds
 * as ballooned, and the guest program that allocates, frees, writes and reads. The shared
 * invariants (docs/INVARIANTS.md) are stated on these types; a family (core/<family>/) adds its
 * commands, effects and the protocol state it has in flight, in its own words.
 */
import type { Frame, Gpfn, GuestId } from './ids.ts';
import type { GuestLayout } from './layout.ts';
import type { GpfnArray } from './paged.ts';

// --- configuration ---------------------------------------------------------------------------

/** What every family's guest has: RAM, an MMIO hole, a floor and a page size. */
export interface WorldGuestConfig {
  /** RAM in 4 KiB pages (gpfns 0..ramPages-1, minus the hole). */
  ramPages: number;
  /** Guest page size in gpfns: 1 (4 KiB) or 16 (64 KiB, arm64/ppc64 guests). */
  guestPageGpfns: 1 | 16;
  /** A non-RAM (MMIO) hole of gpfns inside the address space, as a PC's 3-4 GiB window. */
  holeStart: number;
  holePages: number;
  /** Pages the guest keeps for itself: the balloon never grows past ramPages - floorPages (XSA-300). */
  floorPages: number;
  /** A device assigned to the guest (VFIO, a PCI passthrough) with its own DMA view of the map. */
  assignedDevice: boolean;
  /**
   * Where each gpfn sits in the guest-physical address space (core/layout.ts): RAM in ranges
   * around the PCI hole and above 4 GiB, up to 2^40. Absent: gpfn n is page n.
   */
  layout?: GuestLayout;
}

/** One host running several guests under one protocol family (`family` names it). */
export interface WorldConfig {
  family: string;
  /** Host frames in 4 KiB units. Guests may sum to more (overcommit). */
  hostFrames: number;
  /** Frames the host keeps for itself, never handed to a guest. */
  reservedFrames: number;
  /** Host page size in 4 KiB units: 1 (4 KiB), 4 (16 KiB: arm64 hosts with 16 KiB pages), 16 (64 KiB) or 512 (2 MiB). */
  hostPageGpfns: 1 | 4 | 16 | 512;
  guests: readonly WorldGuestConfig[];
}

/** Size of a guest's gpfn space: RAM plus the hole. */
export const gpfnSpace = (g: WorldGuestConfig): number => g.ramPages + g.holePages;

/** True when `n` names RAM of guest `g` (in range and not in the hole). */
export const isRam = (g: WorldGuestConfig, n: number): boolean =>
  Number.isInteger(n) && n >= 0 && n < gpfnSpace(g) && !(n >= g.holeStart && n < g.holeStart + g.holePages);

// --- observation -----------------------------------------------------------------------------

/** Owner codes in `HostObservation.owner` besides a guest index. */
export const FRAME_FREE = -1;
export const FRAME_RESERVED = -2;
/** `p2m` value of a gpfn with no backing frame. */
export const UNBACKED = -1;

/** State of one gpfn as the guest (allocator and balloon driver) sees it. */
export const PageState = {
  Hole: 0, Free: 1, Used: 2, Inflating: 3, Ballooned: 4, Deflating: 5,
  /**
   * A free page the driver took off its free list to report it to the host (virtio
   * PAGE_REPORTING, VIRTIO 1.2 5.5.6.7): out of the allocator until the device acknowledged the
   * report. In no count of `GuestCounts`; no other family uses it.
   */
  Reported: 6,
} as const;
export type PageState = (typeof PageState)[keyof typeof PageState];
export const pageStateName = (s: number): string =>
  (Object.keys(PageState) as (keyof typeof PageState)[]).find((k) => PageState[k] === s)?.toLowerCase() ?? `state ${s}`;

export interface HostObservation {
  totalFrames: number;
  reservedFrames: number;
  /** The host's own count of free frames (checked against `owner`). */
  freeFrames: number;
  /** Per frame: the guest index that maps it, FRAME_FREE or FRAME_RESERVED. */
  owner: Int32Array;
  /** Per frame: the gpfn that maps it within its owner, or -1. */
  ownerGpfn: Int32Array;
}

export interface GuestCounts {
  free: number; used: number; inflating: number; ballooned: number; deflating: number;
}

/** What every family's guest shows: the counters and the maps the shared invariants read. */
export interface WorldGuestObservation {
  /** The target as the host side holds it (after clamping), in 4 KiB pages. */
  target: number;
  /** The balloon's size as the driver last reported it to the host, in 4 KiB pages. */
  actual: number;
  /**
   * gpfn to frame, or UNBACKED: the CPU's (EPT/NPT) view. The per-gpfn maps are typed arrays
   * (Int32Array here and in dmaView, Uint8Array in pageState and hostBallooned) or, for a guest
   * past `pagedThreshold()` gpfns, paged maps read the same way (core/paged.ts): index and
   * length only. Scan one with `touchedRanges`, not from 0 to its length.
   */
  p2m: GpfnArray;
  /** gpfn to frame as an assigned device (IOMMU) sees it; null without one. */
  dmaView: GpfnArray | null;
  /** Per gpfn, the driver's and allocator's view (PageState). */
  pageState: GpfnArray;
  /** Per gpfn, 1 when the host holds it as ballooned. */
  hostBallooned: GpfnArray;
  /** The driver's counters, in gpfns. */
  counts: GuestCounts;
}

/**
 * The data oracle is deliberately not part of the observation: the checker keeps it
 * (properties/safety/data-oracle.ts) from the `wrote`, `read`, `pages-allocated` and
 * `pages-freed` effects, so an implementation under test never grades its own memory contents.
 */
export interface WorldObservation<G extends WorldGuestObservation = WorldGuestObservation> {
  host: HostObservation;
  guests: readonly G[];
}

// --- commands, effects, results --------------------------------------------------------------

/** Every command names the guest it acts on; a family's commands add their own fields. */
export interface AnyCommand { kind: string; guest: GuestId }

/** The guest program and the host's target: commands every family shares, with one meaning. */
export type WorldCommand =
  /** The host moves the target, in 4 KiB pages (a family prints it in its own unit). */
  | { kind: 'set-target'; guest: GuestId; pages: number }
  /** A guest program allocates `pages` guest pages; `pick` chooses which free pages. */
  | { kind: 'alloc'; guest: GuestId; pages: number; pick: number }
  /** A guest program frees `pages` of its used guest pages, chosen by `pick`. */
  | { kind: 'free'; guest: GuestId; pages: number; pick: number }
  /** The guest writes a fresh token to one of its used gpfns (chosen by `pick`). */
  | { kind: 'write'; guest: GuestId; pick: number }
  /** The guest reads one of its used gpfns back (chosen by `pick`). */
  | { kind: 'read'; guest: GuestId; pick: number };

/** One line of a guest-program command, the same in every family's counterexamples. */
export function formatGuestProgram(c: Exclude<WorldCommand, { kind: 'set-target' }>): string {
  switch (c.kind) {
    case 'alloc': return `alloc g${c.guest} ${c.pages} pick=${c.pick}`;
    case 'free': return `free g${c.guest} ${c.pages} pick=${c.pick}`;
    case 'write': return `write g${c.guest} pick=${c.pick}`;
    case 'read': return `read g${c.guest} pick=${c.pick}`;
  }
}

/** Effects every family reports with one meaning; the shared invariants read these. */
export type WorldEffect =
  | { kind: 'frame-mapped'; guest: GuestId; gpfn: Gpfn; frame: Frame }
  | { kind: 'frame-released'; guest: GuestId; gpfn: Gpfn; frame: Frame }
  | { kind: 'target-set'; guest: GuestId; requested: number; target: number }
  | { kind: 'actual-written'; guest: GuestId; actual: number }
  | { kind: 'pages-allocated'; guest: GuestId; gpfns: readonly Gpfn[] }
  | { kind: 'pages-freed'; guest: GuestId; gpfns: readonly Gpfn[] }
  | { kind: 'wrote'; guest: GuestId; gpfn: Gpfn; token: number }
  | { kind: 'read'; guest: GuestId; gpfn: Gpfn; value: number }
  | { kind: 'out-of-puff'; guest: GuestId }
  | { kind: 'reset'; guest: GuestId };

export type WorldEffectKind = WorldEffect['kind'];
export const worldEffectKinds: readonly WorldEffectKind[] = [
  'frame-mapped', 'frame-released', 'target-set', 'actual-written', 'pages-allocated', 'pages-freed',
  'wrote', 'read', 'out-of-puff', 'reset',
];

/** Every effect names its kind and guest; a family's effects add their own fields. */
export interface AnyEffect { kind: string; guest: GuestId }

/** The result of applying one command: accepted, or refused with a stable code; effects either way. */
export type StepResult<E extends AnyEffect = AnyEffect, Code extends string = string> =
  | { outcome: 'accepted'; effects: E[] }
  | { outcome: 'refused'; code: Code; message: string; effects: E[] };

/** Refusals of the guest program and of the host, the same in every family. */
export const WORLD_ERROR_CODES = {
  'guest/oom': 'the guest is out of memory',
  'guest/no-used-pages': 'the guest holds no used page to touch or free',
  'guest/unknown': 'no such guest in the configuration',
  'host/out-of-frames': 'the host has no free frame to back the page',
} as const;
export type WorldErrorCode = keyof typeof WORLD_ERROR_CODES;

/**
 * The interface an implementation under test satisfies, in a family's words: the reference
 * implementation (impl/<family>/) does; so can a user's adapter around their own driver or host.
 */
export interface SystemUnderTest<
  C extends AnyCommand = AnyCommand,
  O extends WorldObservation = WorldObservation,
  K extends WorldConfig = WorldConfig,
  R extends StepResult = StepResult,
> {
  readonly config: K;
  /** Apply one command; never throws for a command that is well formed for the configuration. */
  apply(command: C): R;
  /** The whole system's state now. May return live views that the next `apply` changes. */
  observe(): O;
  /**
   * Optional: an independent copy of the system in its present state (a snapshot to branch
   * from). `balloon explore` uses it to try every command from a state without replaying the
   * path that led there; without it, the explorer replays and says it is slower. Each family's
   * reference offers it (core/fork.ts `forkState` copies a class-based state graph); an adapter
   * may (docs/ADAPTERS.md).
   */
  fork?(): SystemUnderTest<C, O, K, R>;
  /**
   * Optional: state that `observe()` does not show but that changes what the system does next (a
   * flag set inside a driver, an answer the host will give some commands later), as text; the
   * empty string when there is none. `balloon explore` keys a state by its observation and this,
   * so a step that changes only hidden state is not merged with the state before it.
   */
  hiddenKey?(): string;
}
