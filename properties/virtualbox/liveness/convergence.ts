import { maxChunksOf } from '../../../core/virtualbox/index.ts';
import type { VboxProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Convergence in VirtualBox's words: after the fair drain (the host re-asserts its wanted size
 * and raises the event; the event is delivered, the guest steps, the EMT applies, until nothing
 * moves), nothing is in flight and each balloon holds the host's wanted size in chunks, or fewer
 * only when the guest has no chunk of free pages left to give; a wanted size above the guest's
 * maximum chunk count is refused (vboxGuestSetBalloonSizeKernel), so there it only stays within
 * the maximum. The host's wanted size is its own (the runner's record), not what it reports.
 */
export const vboxConvergence: VboxProperty = {
  name: 'virtualbox-convergence',
  kind: 'eventually',
  doc: 'after the drain the counted chunks equal the wanted size (at most the maximum), short only without a chunk of free pages',
  refs: 'docs/INVARIANTS.md liveness (convergence); VBoxGuest.cpp vboxGuestSetBalloonSizeKernel',
  monitor: (config) => stateless({
    end({ obs, quiescent, targets }) {
      if (!quiescent) return null; // progress reports a drain that never came to rest
      const cp = config.chunkPages;
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        const d = g.virtualbox.driver;
        if (g.virtualbox.host.queue.length > 0) continue; // progress reports it
        const max = maxChunksOf(config.guests[i], cp);
        const want = Math.floor(targets[i] / cp);
        if (d.inFlight || g.counts.inflating > 0) return { message: `guest ${i} came to rest with a ${d.inFlight ?? 'chunk'} still in flight`, guest: i };
        if (d.closing) return { message: `guest ${i} came to rest with its balloon session still closing`, guest: i };
        if (want > max) {
          if (d.chunks > max) return { message: `guest ${i} came to rest with ${d.chunks} chunks, above its maximum of ${max}`, guest: i };
          continue;
        }
        if (d.chunks === want) continue;
        if (d.chunks < want && g.counts.free < cp) continue;
        return { message: `guest ${i}'s balloon came to rest at ${d.chunks} chunks; the host wants ${want} (its maximum ${max}, ${g.counts.free} pages free)`, guest: i };
      }
      return null;
    },
  }),
};
