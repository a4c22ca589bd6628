import { isRam } from '../../../core/index.ts';
import type { VboxProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The driver's own ChangeMemBalloon requests: exactly one chunk (VMMDEV_MEMORY_BALLOON_CHUNK_PAGES)
 * of 4 KiB aligned RAM pages, each once; an inflate only while the driver counts fewer chunks than
 * it wants and fewer than its maximum (vboxGuestSetBalloonSizeKernel), a deflate only while it
 * counts more than it wants or its session is closing; never two in flight; and never one the host
 * must refuse as malformed (VERR_INVALID_PARAMETER).
 */
export const vboxRequestsWellFormed: VboxProperty = {
  name: 'virtualbox-requests-well-formed',
  kind: 'always',
  doc: 'the driver sends one chunk of aligned RAM pages per request, upward only below its wanted size and maximum, downward only above it or closing',
  refs: 'VBoxGuest.cpp vboxGuestBalloonInflate, vboxGuestBalloonDeflate, vboxGuestSetBalloonSizeKernel, vboxGuestCloseMemBalloon; VMMDev.cpp VMMDevReq_ChangeMemBalloon',
  monitor: (config) => stateless({
    interests: ['change-balloon'],
    step({ command, result, before }) {
      const cfg = config.guests[command.guest];
      const reqs = result.effects.filter((e) => e.kind === 'change-balloon' && e.origin === 'driver');
      if (reqs.length > 1) return { message: `guest ${command.guest}'s driver sent ${reqs.length} ChangeMemBalloon requests in one step`, guest: command.guest };
      const e = reqs[0];
      if (!e || e.kind !== 'change-balloon' || !cfg) return null;
      const dir = e.inflate ? 'inflate' : 'deflate';
      if (before.inFlight) return { message: `guest ${command.guest}'s driver sent a ${dir} while its ${before.inFlight} was still queued on the host`, guest: command.guest };
      if (e.gpfns.length !== config.chunkPages) return { message: `guest ${command.guest}'s driver sent a ${dir} of ${e.gpfns.length} pages, not one chunk of ${config.chunkPages}`, guest: command.guest };
      if (!e.aligned) return { message: `guest ${command.guest}'s driver sent a ${dir} with an address not 4 KiB aligned`, guest: command.guest };
      const bad = e.gpfns.find((n) => !isRam(cfg, n));
      if (bad !== undefined) return { message: `guest ${command.guest}'s driver sent a ${dir} naming gpfn ${bad}, which is not its RAM`, guest: command.guest, gpfn: bad };
      if (new Set(e.gpfns).size !== e.gpfns.length) return { message: `guest ${command.guest}'s driver named a page twice in one ${dir}`, guest: command.guest };
      if (e.inflate && (before.closing || before.chunks >= before.wanted || before.chunks >= before.maxChunks)) {
        return { message: `guest ${command.guest}'s driver inflated with ${before.chunks} chunks, wanting ${before.wanted} of at most ${before.maxChunks}${before.closing ? ', its session closing' : ''}`, guest: command.guest };
      }
      if (!e.inflate && !before.closing && before.chunks <= before.wanted) return { message: `guest ${command.guest}'s driver deflated with ${before.chunks} chunks, wanting ${before.wanted}`, guest: command.guest };
      if (e.rc === 'VERR_INVALID_PARAMETER') return { message: `the host refused guest ${command.guest}'s ${dir} as malformed`, guest: command.guest };
      return null;
    },
  }),
};
