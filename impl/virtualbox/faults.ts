/**
 * The VirtualBox bug zoo: named switches that put the mechanism of a real bug of VBoxGuest.cpp or
 * PGMPhys.cpp back into the reference. All are off by default and cost one boolean test when off.
 * A fault changes the implementation only: the properties, the workload and the model stay.
 */
export interface VboxFaultInfo {
  doc: string;
  reference: string;
  putsBack: string;
  catches: readonly string[];
}

export const VBOX_FAULTS = {
  'max-compare': {
    doc: 'the guest returns early when the wanted size equals its maximum chunk count, where its current count was meant: asked for the maximum, the balloon never moves',
    reference: 'VBoxGuest.cpp vboxGuestSetBalloonSizeKernel: `if (cBalloonChunks == pDevExt->MemBalloon.cMaxChunks) return VINF_SUCCESS` (as read in the 2014-era source); the family sheet: the current count was meant',
    putsBack: 'driver.ts fetch: the wanted size equal to the maximum is dropped',
    catches: ['virtualbox-convergence', 'conformance'],
  },
  'free-before-deflate': {
    doc: 'the guest frees a chunk\'s pages as it sends the deflate, before the host has done it (and even when the host fails it)',
    reference: 'VBoxGuest.cpp vboxGuestBalloonDeflate frees the memory object only after VbglGRPerform succeeded; family sheet',
    putsBack: 'driver.ts deflate: pages freed and the chunk dropped at send',
    catches: ['virtualbox-counters-match', 'balloon-pages-untouched', 'counters-match', 'conformance'],
  },
  'async-read-as-done': {
    doc: 'on several CPUs the guest counts an inflate as done when the request returns, though the host only queued it',
    reference: 'PGMPhys.cpp PGMR3PhysChangeMemBalloon posts the change with VMR3ReqCallNoWait on SMP; VBoxGuest counts cChunks++ on return; family sheet',
    putsBack: 'driver.ts inflate: a queued inflate counted at once',
    catches: ['virtualbox-counters-match', 'conformance'],
  },
  'partial-inflate-counted': {
    doc: 'the host balloons the pages of an inflate up to the first one that is not RAM, stops, and still counts the whole request',
    reference: 'PGMPhys.cpp pgmR3PhysChangeMemBalloonRendezvous: `break` at a non-RAM page, then GMMR3BalloonedPages(cPages) and cBalloonedPages += cPages',
    putsBack: 'host.ts change: no check of every page before the first change',
    catches: ['virtualbox-bad-requests-change-nothing', 'host-drops-only-ballooned', 'virtualbox-counters-match', 'conformance'],
  },
  'first-page-aligned-only': {
    doc: 'the host checks only the first address for 4 KiB alignment and rounds the others down',
    reference: 'PGMPhys.cpp PGMR3PhysChangeMemBalloon: `AssertReturn(!(paPhysPage[0] & 0xfff), VERR_INVALID_PARAMETER)` ("older additions pass wrong physical addresses")',
    putsBack: 'host.ts change: alignment of paPhysPage[0] only',
    catches: ['virtualbox-bad-requests-change-nothing', 'host-drops-only-ballooned', 'conformance'],
  },
  'deflate-unchecked': {
    doc: 'the host deflates pages it never ballooned: they go back to the zero page, dropping the guest\'s frames, and the count falls',
    reference: 'PGMPhys.cpp pgmR3PhysChangeMemBalloonRendezvous: deflate only asserts PGM_PAGE_IS_BALLOONED (no check in release builds)',
    putsBack: 'host.ts change: no ballooned check on deflate',
    catches: ['virtualbox-bad-requests-change-nothing', 'host-drops-only-ballooned', 'virtualbox-counters-match', 'conformance'],
  },
} as const satisfies Record<string, VboxFaultInfo>;

export type VboxFaultName = keyof typeof VBOX_FAULTS;
export const vboxFaultNames = Object.keys(VBOX_FAULTS) as VboxFaultName[];
export type VboxFaults = Record<VboxFaultName, boolean>;

export function vboxFaultSet(names: readonly string[] = []): VboxFaults {
  const f = Object.fromEntries(Object.keys(VBOX_FAULTS).map((k) => [k, false])) as VboxFaults;
  for (const n of names) {
    if (!(n in VBOX_FAULTS)) throw new RangeError(`unknown VirtualBox fault ${JSON.stringify(n)} (known: ${Object.keys(VBOX_FAULTS).join(', ')})`);
    f[n as VboxFaultName] = true;
  }
  return f;
}
