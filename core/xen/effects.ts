/**
 * What a Xen step did, as data. The world effects (frame-mapped, frame-released, target-set,
 * actual-written, pages-allocated, pages-freed, wrote, read, reset) keep their shared meaning;
 * `actual` is the driver's current_pages. The family adds the hypercall as the hypervisor judged
 * it, one balloon-thread pass, the clock and the backend's loans.
 */
import type { GuestId } from '../ids.ts';
import type { WorldEffect } from '../world.ts';
import type { XenErrorCode } from './errors.ts';
import type { XenMemOp } from './commands.ts';

/** balloon.c enum bp_state. */
export type ThreadState = 'done' | 'wait' | 'eagain' | 'ecanceled';

export interface XenRefusal { gpfn: number; code: XenErrorCode }

export type XenOwnEffect =
  /**
   * One memory op as the hypervisor judged it: extents asked (first gpfns), of `order`, and how
   * many it did; it stops at the first bad extent (memory.c returns the count done), which is
   * `refused`. `preempted`: the op ended in a continuation that has not finished.
   */
  | { kind: 'hypercall'; guest: GuestId; op: XenMemOp; origin: 'driver' | 'hostile' | 'lend'; order: number; gpfns: readonly number[]; done: number; refused: readonly XenRefusal[]; preempted: boolean }
  /**
   * The balloon thread had the CPU at virtual time `now`. `ran`: it was due and ran a pass (else
   * it stayed asleep). State, delay and retries are balloon_stats after the pass; `credit` is
   * target - current when the pass began.
   */
  | { kind: 'balloon-pass'; guest: GuestId; now: number; ran: boolean; credit: number; before: ThreadState; after: ThreadState; delay: number; retries: number }
  | { kind: 'tick'; guest: GuestId; now: number }
  | { kind: 'lent'; guest: GuestId; gpfns: readonly number[] }
  | { kind: 'unlent'; guest: GuestId; gpfns: readonly number[] };

/** The world effects the Xen family uses, and its own. */
export type XenEffect =
  | Extract<WorldEffect, { kind: 'frame-mapped' | 'frame-released' | 'target-set' | 'actual-written' | 'pages-allocated' | 'pages-freed' | 'wrote' | 'read' | 'reset' }>
  | XenOwnEffect;

export type XenEffectKind = XenEffect['kind'];

export type XenStepResult =
  | { outcome: 'accepted'; effects: XenEffect[] }
  | { outcome: 'refused'; code: XenErrorCode; message: string; effects: XenEffect[] };
