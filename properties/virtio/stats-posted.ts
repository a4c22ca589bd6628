import { stateless } from '../property.ts';
import type { VirtioProperty } from './property.ts';

/**
 * The stats queue is never left empty for good (VIRTIO 1.2 5.5.6.3.1): once the device is
 * initialised the driver makes a stats buffer available (statement 26), and each time the device
 * uses one it makes another available (statement 27). The spec names no moment, so this is
 * liveness: after the fair drain, whose driver steps give the driver every chance to consume a
 * used buffer and post the next (the drain does not serve the stats queue), a guest that
 * negotiated STATS_VQ has a buffer on the stats queue the device has not used. This holds under
 * every profile; the linux and firecracker profiles also ask for the reload's buffer before
 * DRIVER_OK (model/virtio/lifecycle.ts). Review B2.
 */
export const statsPosted: VirtioProperty = {
  name: 'stats-posted',
  kind: 'eventually',
  doc: 'with STATS_VQ, a stats buffer is available to the device after the final drain (the driver posts one after init and after every use)',
  refs: 'VIRTIO 1.2 5.5.6.3.1, statements 26 and 27 (docs/virtio-spec.md); Linux init_vqs and stats_handle_request',
  monitor: (config) => stateless({
    interests: [],
    end({ obs }) {
      // The features as negotiated at the last reload (core/virtio/negotiation.ts), as observed.
      for (let i = 0; i < config.guests.length; i++) {
        if (!obs.guests[i].features.statsVq) continue;
        const stats = obs.guests[i].inflight.filter((b) => b.queue === 'stats');
        if (!stats.some((b) => !b.acked)) {
          const used = stats.length > 0 ? `its stats buffer #${stats[0].id} was used and not consumed` : 'no stats buffer is on the queue';
          return { message: `guest ${i} negotiated STATS_VQ, but after the final drain ${used}: the driver must make a stats buffer available after init and after every use (5.5.6.3.1)`, guest: i };
        }
      }
      return null;
    },
  }),
};
