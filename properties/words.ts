/**
 * Protocol words for violation messages: "gpfn 17 of guest 1", "frame 9". Kept in one place so
 * every property says things the same way.
 * @internal
 */
import {
  FRAME_FREE, FRAME_RESERVED, PageState, pageStateName, type GuestConfig, type GuestObservation, type Observation,
} from '../core/virtio/index.ts';

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
 * Has the guest's balloon settled where the target says? At the wanted size, or short of it with
 * no free page left to give ("out of puff"). Returns the wanted size when it has not, else null.
 */
export function unsettled(g: GuestObservation, gc: GuestConfig): number | null {
  const want = wantedBalloon(g.target, gc.ramPages, gc.floorPages, gc.guestPageGpfns);
  return g.actual === want || (g.actual < want && g.counts.free === 0) ? null : want;
}

/** The balloon size a driver aims for: the target in whole guest pages, kept above the floor. */
export function wantedBalloon(target: number, ramPages: number, floorPages: number, gpp: number): number {
  const aligned = Math.ceil(target / gpp) * gpp;
  return Math.max(0, Math.min(aligned, Math.floor((ramPages - floorPages) / gpp) * gpp));
}
