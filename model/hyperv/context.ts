/**
 * The abstract state the Hyper-V charts keep per guest: the driver's counters and the
 * allocator's counts (in gpfns), the host's target, balloon and open transaction. The charts
 * never see gpfns or frames (those are the shared invariants' business).
 */
import { HV_VERSIONS, hvBootPages, hvProfileOf, type HvGuestConfig, type HvSystemConfig } from '../../core/hyperv/index.ts';

export interface HvGuestContext {
  ram: number; floor: number; gpp: number; rpm: number;
  versionAt: number;
  free: number; used: number;
  /** num_pages_ballooned, num_pages_added, num_pages_onlined. */
  ballooned: number; added: number; onlined: number;
  /** The open multi-part unballoon. */
  unballoonTrans: number | null;
  /** Held to the `careful` profile (core/hyperv/config.ts HV_PROFILES). */
  careful: boolean;
}

export interface HvHostContext {
  ram: number;
  balloonCap: boolean;
  target: number;
  actual: number;
  /** Of the open balloon transaction: pages asked and given so far. */
  asked: number;
  given: number;
}

export interface HvChartInput { guest: HvGuestConfig; system: HvSystemConfig }

export function initialGuestContext({ guest, system }: HvChartInput): HvGuestContext {
  return {
    ram: guest.ramPages, floor: guest.floorPages, gpp: guest.guestPageGpfns, rpm: system.rangesPerMessage, versionAt: 0,
    free: hvBootPages(guest), used: 0, ballooned: 0, added: 0, onlined: 0, unballoonTrans: null,
    careful: hvProfileOf(system) === 'careful',
  };
}

export function initialHostContext({ guest }: HvChartInput): HvHostContext {
  return { ram: guest.ramPages, balloonCap: false, target: 0, actual: 0, asked: 0, given: 0 };
}

export const lastVersion = (c: HvGuestContext): boolean => c.versionAt + 1 >= HV_VERSIONS.length;

/** What balloon_up may take: the request cut to what is free above the floor. */
export const balloonable = (c: HvGuestContext, asked: number): number => {
  const avail = c.free;
  return avail < asked || avail - asked < c.floor ? (avail > c.floor ? avail - c.floor : 0) : asked;
};
