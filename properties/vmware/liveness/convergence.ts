import { PageState } from '../../../core/index.ts';
import { MAX_PPN32, ppnOf } from '../../../core/vmware/index.ts';
import type { VmwProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Convergence in VMware's words: after the fair drain (the host re-asserts its targets and each
 * worker runs until nothing moves), no page is left on its way into the balloon (refused pages
 * were given back to the guest), and each balloon holds the host's target as far as it can:
 * exactly, or above it by less than a large page when the target is not 0 (vmballoon_change's
 * 2 MiB slack), or below it only when the guest has nothing it could give: no free page it could
 * lock (one whose page number fits a non-batched command, without batching), or its floor.
 */
export const vmwConvergence: VmwProperty = {
  name: 'vmware-convergence',
  kind: 'eventually',
  doc: 'after the drain no refused page is held, and size is at the target, within the 2 MiB slack above it, or short only when nothing more can be locked',
  refs: 'docs/INVARIANTS.md liveness (convergence); Linux vmw_balloon.c vmballoon_change, vmballoon_release_refused_pages',
  monitor: (config) => stateless({
    end({ obs, quiescent, targets }) {
      if (!quiescent) return null; // progress reports a drain that never came to rest
      for (let i = 0; i < obs.guests.length; i++) {
        const g = obs.guests[i];
        const cfg = config.guests[i];
        if (g.vmware.host.forgot || g.vmware.driver.resetRequired) continue; // progress reports a reset left pending
        if (g.counts.inflating > 0) return { message: `guest ${i} came to rest holding ${g.counts.inflating} pages the host refused, never given back`, guest: i };
        const room = cfg.ramPages - cfg.floorPages;
        const want = Math.min(targets[i], room);
        const size = g.vmware.driver.size;
        if (size === want) continue;
        if (size > want && want !== 0 && size - want < config.largePageGpfns) continue;
        if (size < want) {
          const batched = g.vmware.driver.caps?.batched ?? false;
          let lockable = 0;
          for (let n = 0; n < g.pageState.length; n++) if (g.pageState[n] === PageState.Free && (batched || ppnOf(cfg, n) <= MAX_PPN32)) lockable++;
          if (lockable === 0) continue;
        }
        return { message: `guest ${i}'s balloon came to rest at ${size} pages; the host's target ${targets[i]} within what it can spare (${room}) is ${want}`, guest: i };
      }
      return null;
    },
  }),
};
