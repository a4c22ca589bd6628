/**
 * The observation of a VirtualBox system: the world part every family shares and VirtualBox's
 * own under `virtualbox`, the driver's view (VBoxGuest's MemBalloon) beside the host's (VMMDev
 * and PGM). Values are copied at observe(); the world arrays are live views.
 */
import type { WorldGuestObservation, WorldObservation } from '../world.ts';

export interface VboxDriverPart {
  /** MemBalloon.cChunks: chunks the driver counts as in the balloon. `actual` = chunks × chunkPages. */
  chunks: number;
  /** MemBalloon.cMaxChunks: 0 until the first size was fetched in this session. */
  maxChunks: number;
  /** The wanted size the driver last accepted. */
  wanted: number;
  /** The balloon event was delivered and the size not fetched since. */
  told: boolean;
  /** A ChangeMemBalloon posted to the host's EMT and not yet applied: its direction, else null. */
  inFlight: 'inflate' | 'deflate' | null;
  /** The session is closing: the driver deflates everything. */
  closing: boolean;
}

export interface VboxHostPart {
  /** The wanted size in chunks (the world `target` is it in pages). */
  wanted: number;
  /** VMMDEV_EVENT_BALLOON_CHANGE_REQUEST raised and not acknowledged. */
  eventPending: boolean;
  /** pgm.s.cBalloonedPages: the host's count of ballooned pages. */
  ballooned: number;
  /** Changes posted to the EMT and not applied, oldest first. */
  queue: readonly { inflate: boolean; pages: number }[];
  /** Requests the host will still fail. */
  armed: number;
  /** The frame of the shared zero page (a reserved frame). */
  zeroFrame: number;
}

export interface VboxGuestObservation extends WorldGuestObservation {
  virtualbox: { driver: VboxDriverPart; host: VboxHostPart };
}

export type VboxObservation = WorldObservation<VboxGuestObservation>;
