import { PAGE_CMDS, MAX_PPN32, gpfnOfPpn } from '../../../core/vmware/index.ts';
import { isRam } from '../../../core/index.ts';
import type { VmwProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The shape of the driver's own backdoor commands: batched commands only when the host granted
 * BATCHED_CMDS, 2 MiB ones only when it granted both batched capabilities (vmballoon_send_start,
 * "vmw_balloon: do not use 2MB without batching"), a non-batched command with one page number
 * that fits its 32-bit register ("vmw_balloon: fix inflation of 64-bit GFNs"), at most a page of
 * entries and none twice, each naming RAM of the guest, large pages aligned.
 */
export const vmwRequestsWellFormed: VmwProperty = {
  name: 'vmware-requests-well-formed',
  kind: 'always',
  doc: 'driver commands fit the granted capabilities: 2 MiB only with both batched caps, 32-bit page numbers without batching, a page of distinct RAM entries',
  refs: 'Linux vmw_balloon.c vmballoon_send_start, vmballoon_lock_op, vmballoon_add_page (vmballoon_add_batched_page before the 2018 rewrite); commits "do not use 2MB without batching", "fix inflation of 64-bit GFNs" (2018)',
  monitor: (config) => stateless({
    step({ result }) {
      for (const e of result.effects) {
        if (e.kind !== 'backdoor' || e.origin === 'hostile') continue;
        const pc = PAGE_CMDS[e.cmd];
        if (!pc) continue;
        const g = e.guest;
        const cfg = config.guests[g];
        const caps = cfg.caps;
        if (pc.batched && !caps.batched) return { message: `guest ${g}'s driver sent ${e.cmd}, but its host granted only the basic commands`, guest: g };
        if (pc.large && !(caps.batched && caps.large)) return { message: `guest ${g}'s driver sent ${e.cmd} without both batched capabilities granted`, guest: g };
        if (!pc.batched && e.ppns.length !== 1) return { message: `guest ${g}'s driver sent a non-batched ${e.cmd} of ${e.ppns.length} pages`, guest: g };
        if (!pc.batched && e.ppns[0] > MAX_PPN32) return { message: `guest ${g}'s driver sent page number ${e.ppns[0]} in a non-batched ${e.cmd}; it does not fit in 32 bits`, guest: g };
        if (e.ppns.length > config.batchPages) return { message: `guest ${g}'s driver sent ${e.ppns.length} entries in one ${e.cmd}, more than a page of ${config.batchPages}`, guest: g };
        if (new Set(e.ppns).size !== e.ppns.length) return { message: `guest ${g}'s driver named a page twice in one ${e.cmd}`, guest: g };
        for (const ppn of e.ppns) {
          const n = gpfnOfPpn(cfg, ppn);
          if (n < 0) return { message: `guest ${g}'s driver sent page number ${ppn}, where no page of it sits`, guest: g };
          if (n % e.pageGpfns !== 0) return { message: `guest ${g}'s driver sent a ${e.pageGpfns}-page entry at gpfn ${n}, not aligned`, guest: g, gpfn: n };
          for (let x = n; x < n + e.pageGpfns; x++) if (!isRam(cfg, x)) return { message: `guest ${g}'s driver sent page number ${ppn} (gpfn ${n}), not its RAM`, guest: g, gpfn: n };
        }
      }
      return null;
    },
  }),
};
