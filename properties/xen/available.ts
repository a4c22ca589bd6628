/** What a populate could still take: free host frames less the PoD caches' claims (a PoD cache is a claim, impl/xen/domain.ts). */
import type { XenObservation } from '../../core/xen/index.ts';

export const availableFrames = (obs: XenObservation): number =>
  obs.host.freeFrames - obs.guests.reduce((s, g) => s + g.xen.podCache, 0);
