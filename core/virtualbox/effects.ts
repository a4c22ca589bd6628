/**
 * What a VirtualBox step did, as data. The world effects keep their shared meaning; `actual` is
 * the driver's counted chunks in 4 KiB pages. The family adds each VMMDev request as the host
 * answered it, the EMT applying a queued change, the balloon event, and the session closing.
 */
import type { GuestId } from '../ids.ts';
import type { WorldEffect } from '../world.ts';
import type { VboxRefusal } from './commands.ts';
import type { VboxErrorCode, VboxStatus } from './errors.ts';

export type VboxOwnEffect =
  /** VMMDevReq_GetMemBalloonChangeRequest answered (acknowledging the event); `accepted`: the driver took the size (not above its maximum). */
  | { kind: 'get-balloon-req'; guest: GuestId; wanted: number; physChunks: number; accepted: boolean }
  /**
   * VMMDevReq_ChangeMemBalloon as the host answered it: `gpfns` the pages the addresses name
   * (address / 4096, rounded down), `aligned` whether every address was 4 KiB aligned, `rc` the
   * status, `queued` whether the host posted it to an EMT instead of doing it (several CPUs).
   */
  | { kind: 'change-balloon'; guest: GuestId; origin: 'driver' | 'hostile'; inflate: boolean; gpfns: readonly number[]; aligned: boolean; rc: VboxStatus; queued: boolean }
  /** The EMT applied a queued change: `pages` ballooned or unballooned. */
  | { kind: 'balloon-applied'; guest: GuestId; inflate: boolean; pages: number }
  /** The balloon event: raised by the host (set-target) or delivered to the guest. */
  | { kind: 'balloon-event'; guest: GuestId; step: 'raised' | 'delivered' }
  /** The session began to close, or finished closing (the balloon empty). */
  | { kind: 'session'; guest: GuestId; step: 'closing' | 'closed' }
  /** The host will fail the next ChangeMemBalloon this way. */
  | { kind: 'armed'; guest: GuestId; status: VboxRefusal };

export type VboxEffect =
  | Extract<WorldEffect, { kind: 'frame-mapped' | 'frame-released' | 'target-set' | 'actual-written' | 'pages-allocated' | 'pages-freed' | 'wrote' | 'read' | 'out-of-puff' }>
  | VboxOwnEffect;

export type VboxEffectKind = VboxEffect['kind'];

export type VboxStepResult =
  | { outcome: 'accepted'; effects: VboxEffect[] }
  | { outcome: 'refused'; code: VboxErrorCode; message: string; effects: VboxEffect[] };
