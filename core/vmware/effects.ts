/**
 * What a VMware step did, as data. The world effects (frame-mapped, frame-released, target-set,
 * actual-written, pages-allocated, pages-freed, wrote, read, reset) keep their shared meaning;
 * `actual` is the driver's `size`, in 4 KiB pages, and `reset` is the guest dropping its balloon
 * after a RESET. The family adds each backdoor command as the host answered it, one run of the
 * balloon worker, and the host's own moves (forgetting a balloon, refusals armed).
 */
import type { GuestId } from '../ids.ts';
import type { WorldEffect } from '../world.ts';
import type { VmwCmd, VmwRefusal, VmwStatus } from './commands.ts';
import type { VmwErrorCode } from './errors.ts';

export type VmwOwnEffect =
  /**
   * One backdoor command as the host answered it. `ppns`: the page numbers the guest meant, one
   * per entry (a non-batched command carries only the low 32 bits of its one page number);
   * `pageGpfns`: 4 KiB pages per entry (1, or largePageGpfns for 2 MiB commands); `entries`: the
   * status of each entry; `target`: the target the reply carried, when it carried one.
   */
  | {
    kind: 'backdoor'; guest: GuestId; cmd: VmwCmd; origin: 'driver' | 'hostile' | 'migrate';
    ppns: readonly number[]; pageGpfns: number; status: VmwStatus; entries: readonly VmwStatus[]; target: number | null;
    /** DOORBELL_SET only: set (true) or unset (false). */
    set?: boolean;
  }
  /**
   * The balloon worker ran once (vmballoon_work). `reset`: it started over after a RESET;
   * `change`: target - size as it judged it (vmballoon_change, 0 within the 2 MiB slack);
   * `peakRefused`: the most refused pages it held at once; `refusedFreed`: refused pages it gave
   * back to the guest at the end of the round.
   */
  | { kind: 'work'; guest: GuestId; reset: boolean; change: number; peakRefused: number; refusedFreed: number }
  /** The host forgot the guest's balloon: `pages` it held locked are no longer its business. */
  | { kind: 'host-forgot'; guest: GuestId; pages: number }
  /** The host will answer the next entries (or command, for busy) this way. */
  | { kind: 'armed'; guest: GuestId; status: VmwRefusal | 'busy'; entries: number };

/** The world effects the VMware family uses, and its own. */
export type VmwEffect =
  | Extract<WorldEffect, { kind: 'frame-mapped' | 'frame-released' | 'target-set' | 'actual-written' | 'pages-allocated' | 'pages-freed' | 'wrote' | 'read' | 'reset' }>
  | VmwOwnEffect;

export type VmwEffectKind = VmwEffect['kind'];


export type VmwStepResult =
  | { outcome: 'accepted'; effects: VmwEffect[] }
  | { outcome: 'refused'; code: VmwErrorCode; message: string; effects: VmwEffect[] };
