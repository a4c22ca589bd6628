/**
 * The observation of a Hyper-V system: the world part (frames; per guest its target, actual, p2m,
 * page states, what the host holds as ballooned, counts) and Hyper-V's own under `hv`. The world
 * `target` is the host's wanted balloon size and `actual` the balloon as the host holds it.
 * Arrays are live views of the reference; a checker must not keep them.
 */
import type { WorldGuestObservation, WorldObservation } from '../world.ts';
import type { HvMessage, HvVersion } from './messages.ts';

export type HvPhase = 'version' | 'caps' | 'ready' | 'failed';

export interface HvOutstanding { type: 'balloon' | 'unballoon' | 'hot-add'; trans: number; pages: number }

export interface HvHostPart {
  /** The host accepted the guest's capabilities and may send requests. */
  ready: boolean;
  /** The transaction the host has open, if any. */
  outstanding: HvOutstanding | null;
  /** Pages the host backed for the guest by hot-add. */
  added: number;
  /** The last balloon request got no page: the host waits for a new target or a changed free figure. */
  stalled: boolean;
  /** The committed figure of the last status report, and how many came. */
  lastCommitted: number | null;
  reports: number;
}

export interface HvGuestPart {
  phase: HvPhase;
  /** The version proposed (phase version) or agreed. */
  version: HvVersion | null;
  /** The capabilities the guest reported: ballooning only with 4 KiB guest pages. */
  balloonCap: boolean;
  /** dm_device.num_pages_ballooned, num_pages_added, num_pages_onlined (unsigned, as Linux keeps them). */
  ballooned: number;
  added: number;
  onlined: number;
  /** The multi-part unballoon the guest is in, by transaction id. */
  unballoonTrans: number | null;
  host: HvHostPart;
  /** The hot-add region (configuration, repeated here so that a checker needs no config). */
  hotAdd: { start: number; pages: number };
  /** Messages waiting, oldest first. */
  toGuest: readonly HvMessage[];
  toHost: readonly HvMessage[];
}

export interface HvGuestObservation extends WorldGuestObservation {
  hv: HvGuestPart;
}

export type HvObservation = WorldObservation<HvGuestObservation>;
