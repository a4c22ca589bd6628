import { PageState } from '../../core/index.ts';
import { stateless, type Property } from '../property.ts';
import { at, stateOf } from '../words.ts';

/**
 * Invariant 4: a frame is taken from a guest only for gpfns that guest inflated, only while the
 * device serves an inflate, and with big host pages only once the whole host page was inflated
 * (QEMU's partial host page tracking in virtio_balloon_handle_output). A gpfn on its way out of
 * the balloon still counts as inflated until the device has processed its deflate: the host may
 * drop its frame while the guest may not touch it before the acknowledgement (MUST_TELL_HOST,
 * statement 21 of docs/virtio-spec.md); without MUST_TELL_HOST (the world's `reuseWaitsForHost`
 * false) the guest may use it again at once, so its frame is not the host's to drop. A page a guest reported free (virtio free page
 * reporting) may be dropped while its report is served, when the family's world allows it.
 */
export const hostDropsOnlyBallooned: Property = {
  name: 'host-drops-only-ballooned',
  kind: 'always',
  doc: 'the host releases a guest frame only for gpfns that guest inflated, whole host pages at a time',
  refs: 'docs/INVARIANTS.md invariant 4; VIRTIO 1.2 5.5.6.2, statements 20 and 21 (docs/virtio-spec.md)',
  monitor: (config, world) => {
    const hpg = config.hostPageGpfns;
    return stateless({
      interests: ['frame-released'],
      step({ command, result, obs }) {
        for (const e of result.effects) {
          if (e.kind !== 'frame-released') continue;
          if (!world.releases(command)) {
            return { message: `the host released frame ${e.frame} of ${at(e.guest, e.gpfn)} outside a balloon request it serves (during ${command.kind})`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
          }
          const g = obs.guests[e.guest];
          const base = Math.floor(e.gpfn / hpg) * hpg;
          for (let n = base; n < base + hpg; n++) {
            const s = g.pageState[n];
            // VIRTIO 1.2 5.5.6.2 (statement 21): the device may change a page on its way out only
            // while the guest waits for the deflate's acknowledgement (MUST_TELL_HOST, as
            // negotiated); without it the guest may already use the page again (5.5.6.1).
            const waits = world.reuseWaitsForHost(obs, e.guest);
            const hostStillHolds = s === PageState.Deflating && g.hostBallooned[n] === 1 && waits;
            if (s === PageState.Deflating && g.hostBallooned[n] === 1 && !waits) {
              return { message: `the host released frame ${e.frame} of ${at(e.guest, e.gpfn)}${n === e.gpfn ? '' : ` (on the host page of ${at(e.guest, n)})`}, which the guest is deflating without MUST_TELL_HOST: the guest may use it again before the acknowledgement, so the device may not change it (VIRTIO 1.2 5.5.6.2)`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
            }
            // A page reported free may be dropped while the report is served, where the family allows it.
            if (s === PageState.Reported && world.reportedMayDrop) {
              const why = world.reportedMayDrop(obs, e.guest);
              if (why === null) continue;
              return { message: `the host released frame ${e.frame} of ${at(e.guest, n)}, which the guest reported free: ${why}`, guest: e.guest, gpfn: n, frame: e.frame };
            }
            if (s !== PageState.Inflating && s !== PageState.Ballooned && !hostStillHolds) {
              const why = n === e.gpfn ? '' : ` (it shares host page ${base / hpg} of ${hpg} gpfns with ${at(e.guest, n)}, which is ${stateOf(obs, e.guest, n)})`;
              return { message: `the host released frame ${e.frame} of ${at(e.guest, e.gpfn)}, which the guest did not inflate${why || `: it is ${stateOf(obs, e.guest, n)}`}`, guest: e.guest, gpfn: e.gpfn, frame: e.frame };
            }
          }
        }
        return null;
      },
    });
  },
};
