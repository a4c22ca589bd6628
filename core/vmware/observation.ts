/**
 * The observation of a VMware system: the world part every family shares and VMware's own part
 * under `vmware`, the driver's view (struct vmballoon) beside the host's. Arrays are live views
 * of the reference; a checker must not keep them.
 */
import type { WorldGuestObservation, WorldObservation } from '../world.ts';
import type { VmwCaps } from './config.ts';
import type { VmwRefusal } from './commands.ts';

export interface VmwDriverPart {
  /** b->size: 4 KiB pages in the balloon (a 2 MiB page counts largePageGpfns). The world `actual`. */
  size: number;
  /** b->target: the target the last reply carried. */
  target: number;
  /** b->reset_required: a RESET was seen (or the driver just loaded) and START has not succeeded since. */
  resetRequired: boolean;
  /** b->capabilities after the last START; null before any. */
  caps: VmwCaps | null;
  /** b->max_page_size is 2 MiB. */
  large: boolean;
  /** The driver holds a VMCI doorbell it believes the host knows. */
  doorbell: boolean;
  /** Pages on the balloon's lists, by size. */
  pages4k: number;
  pages2m: number;
}

export interface VmwHostPart {
  /** The target the host wants (the world `target`). */
  target: number;
  /** Capabilities granted at the last START; null while the guest has not started since the host forgot it. */
  caps: VmwCaps | null;
  /** The host forgot the balloon and answers RESET to every command but START. */
  forgot: boolean;
  /** The host has a doorbell registered for the guest. */
  doorbell: boolean;
  /** The guest sent GUEST_ID since its last START. */
  guestId: boolean;
  /** 4 KiB pages the host holds locked (the world `hostBallooned`, counted). */
  locked: number;
  /** Entries the host will still refuse, in order. */
  armed: readonly { status: VmwRefusal; entries: number }[];
  /** The next command is answered busy. */
  busy: boolean;
}

export interface VmwGuestObservation extends WorldGuestObservation {
  vmware: { driver: VmwDriverPart; host: VmwHostPart };
}

export type VmwObservation = WorldObservation<VmwGuestObservation>;
