/**
 * What a Hyper-V step did, as data. World effects keep their shared meaning (`actual` is the
 * balloon as the host holds it); the family adds messages sent and handled, and the driver's
 * page moves: into the balloon, back after a failed send, out on an unballoon, online and offline.
 */
import type { GuestId } from '../ids.ts';
import type { WorldEffect } from '../world.ts';
import type { HvErrorCode } from './errors.ts';
import type { HvMessage } from './messages.ts';

export type HvOwnEffect =
  /** A message put on the channel by `from`; `sent` false: the send failed (vmbus_sendpacket error). */
  | { kind: 'hv-sent'; guest: GuestId; from: 'guest' | 'host'; msg: HvMessage; sent: boolean }
  /** A message handled by `by`; refused with a code, or not. `hostile`: a hostile command's message. */
  | { kind: 'hv-handled'; guest: GuestId; by: 'guest' | 'host'; msg: HvMessage; refused: HvErrorCode | null; hostile: boolean }
  /** The host gave up a transaction of which nothing was left on the channel. */
  | { kind: 'hv-abandoned'; guest: GuestId; trans: number }
  | { kind: 'hv-ballooned'; guest: GuestId; gpfns: readonly number[] }
  /** Pages of a response that failed to send, back to the guest (balloon_up: free_balloon_pages). */
  | { kind: 'hv-returned'; guest: GuestId; gpfns: readonly number[] }
  | { kind: 'hv-unballooned'; guest: GuestId; gpfns: readonly number[] }
  | { kind: 'hv-onlined'; guest: GuestId; gpfns: readonly number[] }
  | { kind: 'hv-offlined'; guest: GuestId; gpfns: readonly number[] };

export type HvEffect =
  | Extract<WorldEffect, { kind: 'frame-mapped' | 'frame-released' | 'target-set' | 'actual-written' | 'pages-allocated' | 'pages-freed' | 'wrote' | 'read' }>
  | HvOwnEffect;

export type HvEffectKind = HvEffect['kind'];

export type HvStepResult =
  | { outcome: 'accepted'; effects: HvEffect[] }
  | { outcome: 'refused'; code: HvErrorCode; message: string; effects: HvEffect[] };
