import type { VmwProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 7 in VMware's words: a hostile backdoor command (a page number not
 * the guest's, a double LOCK, an UNLOCK of an unlocked page, a batched or 2 MiB command the host
 * did not grant) is answered with an error status for every entry and changes nothing: no frame
 * moves, the host's locked set and the driver's balloon stay as they were.
 */
export const vmwBadRequestsChangeNothing: VmwProperty = {
  name: 'vmware-bad-requests-change-nothing',
  kind: 'always',
  doc: 'a hostile backdoor command is refused entry by entry and changes nothing',
  refs: 'docs/INVARIANTS.md invariant 7; Linux vmw_balloon.c VMW_BALLOON_ERROR_PPN_INVALID, _PPN_LOCKED, _PPN_UNLOCKED, _CMD_INVALID',
  monitor: () => stateless({
    step({ command, result, obs, before }) {
      if (command.kind !== 'hostile' || result.outcome !== 'accepted') return null;
      const g = command.guest;
      for (const e of result.effects) {
        if (e.kind === 'backdoor') {
          if (e.status === 'success' && e.entries.length === 0) return { message: `the host accepted a hostile ${command.request} ${e.cmd} of guest ${g}`, guest: g };
          const i = e.entries.indexOf('success');
          if (i >= 0) return { message: `the host accepted entry ${i} (page number ${e.ppns[i]}) of a hostile ${command.request} ${e.cmd} of guest ${g}`, guest: g };
          continue;
        }
        return { message: `a hostile ${command.request} request of guest ${g} had a ${e.kind} effect`, guest: g };
      }
      const og = obs.guests[g];
      if (og && og.vmware.host.locked !== before.locked) return { message: `a hostile ${command.request} request moved guest ${g}'s locked pages from ${before.locked} to ${og.vmware.host.locked}`, guest: g };
      if (og && og.vmware.driver.size !== before.size) return { message: `a hostile ${command.request} request moved guest ${g}'s balloon size from ${before.size} to ${og.vmware.driver.size}`, guest: g };
      return null;
    },
  }),
};
