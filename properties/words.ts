/**
 * Protocol words for violation messages: "gpfn 17 of guest 1", "frame 9". Kept in one place so
 * every property says things the same way.
 * @internal
 */
import {
  FRAME_FREE, FRAME_RESERVED, PageState, pageStateName,
  type WorldGuestConfig as GuestConfig, type WorldGuestObservation as GuestObservation, type WorldObservation as Observation,
} from '../core/index.ts';
import { wantedSize } from '../model/virtio/index.ts';

export const at = (guest: number, gpfn: number) => `gpfn ${gpfn} of guest ${guest}`;

/** Who holds frame `f`, as a phrase. */
export function frameOwner(obs: Observation, f: number): string {
  const o = obs.host.owner[f];
  if (o === FRAME_FREE) return 'free';
  if (o === FRAME_RESERVED) return 'reserved by the host';
  return `mapped by ${at(o, obs.host.ownerGpfn[f])}`;
}

export const stateOf = (obs: Observation, guest: number, gpfn: number) =>
  pageStateName(obs.guests[guest]?.pageState[gpfn] ?? PageState.Hole);

/** In the balloon or on its way in or out, from the guest's side. */
export const inBalloon = (s: number) => s === PageState.Inflating || s === PageState.Ballooned || s === PageState.Deflating;

/**
 * Has the guest's balloon settled where the host's target says? At the wanted size, or short of it
 * with no free page left to give ("out of puff"). Returns the wanted size when it has not, else
 * null. `target` is the host's own (EndContext.targets: what the run's last well-formed target
 * command asked, clamped as QEMU clamps it), not the one the system reports: judged against that,
 * a system that drops or refuses every target would have settled at 0.
 */
/** The host's target of a guest in a liveness message, and the device's when it says another. */
export const targetWords = (g: GuestObservation, target: number): string => `${target}${g.target === target ? '' : ` (the device says ${g.target})`}`;

export function unsettled(g: GuestObservation, gc: GuestConfig, target: number): number | null {
  const want = wantedSize(target, gc.ramPages, gc.floorPages, gc.guestPageGpfns);
  return g.actual === want || (g.actual < want && g.counts.free === 0) ? null : want;
}
