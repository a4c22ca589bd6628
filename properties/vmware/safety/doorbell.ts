import type { VmwProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * The doorbell in VMware's words: the guest holds a VMCI doorbell exactly when the host has one
 * registered for it, whenever no RESET is pending. A driver that ignores a failed
 * VMCI_DOORBELL_SET waits for wake-ups that never come ("vmw_balloon: VMCI_DOORBELL_SET does not
 * check status", 2018).
 */
export const vmwDoorbellAgrees: VmwProperty = {
  name: 'vmware-doorbell-agrees',
  kind: 'always',
  doc: 'the guest holds a doorbell exactly when the host has one registered for it',
  refs: 'Linux vmw_balloon.c vmballoon_vmci_init, vmballoon_vmci_cleanup; VMW_BALLOON_CMD_VMCI_DOORBELL_SET',
  monitor: () => stateless({
    step({ command, obs }) {
      const g = obs.guests[command.guest];
      if (!g) return null;
      const { driver: d, host: h } = g.vmware;
      if (h.forgot || d.resetRequired || d.doorbell === h.doorbell) return null;
      return { message: `guest ${command.guest} ${d.doorbell ? 'holds a doorbell the host has not registered' : 'holds no doorbell, but the host has one registered'}`, guest: command.guest };
    },
  }),
};
