import { VIRTIO_CONTRACTS, wantedSize } from '../../core/virtio/index.ts';
import { forkable } from '../property.ts';
import type { VirtioProperty } from '../virtio/property.ts';

/**
 * Every command keeps its contract (core/virtio/contracts.ts, one entry per command kind, each citing
 * VIRTIO 1.x 5.5.6, the Linux driver, QEMU's device or the testbed's command semantics): a
 * refusal only when the state before allows it and with the code that says why, and an accepted
 * command does what it was asked (a target is set and clamped, an allocation allocates, a read
 * reads, a driver with work to do does it, a device with a buffer waiting serves it). The other
 * properties judge what an implementation reports about itself; this one judges it against the
 * command, so an implementation that does nothing fails here.
 */
export const commandContract: VirtioProperty = {
  name: 'command-contract',
  kind: 'always',
  doc: 'every command is refused only when its contract allows, with the right code, and an accepted one does what it asks',
  refs: 'core/virtio/contracts.ts: VIRTIO 1.x 2.7, 5.5.6, 5.5.6.1; QEMU virtio-balloon.c; Linux virtio_balloon.c; core/virtio/commands.ts',
  monitor: (config) => {
    // Per guest: a config change not yet worked off (ContractBefore.workPending).
    return forkable({ work: config.guests.map(() => true) }, ({ work }) => ({
      // No `interests`: a refused or idle step has no effects, and those are what this judges.
      step({ command, result, obs, before }) {
        const g = command.guest;
        const guest = config.guests[g];
        const after = obs.guests[g];
        if (!guest || !after) return null;
        const v = VIRTIO_CONTRACTS[command.kind].check({ command, result, before, workPending: work[g], after, guest });
        for (const e of result.effects) if ((e.kind === 'target-set' || e.kind === 'reset') && e.guest === g) work[g] = true;
        if (command.kind === 'driver' && !after.inflight.some((b) => (b.queue === 'inflate' || b.queue === 'deflate') && b.origin !== 'hostile')
          && after.counts.ballooned === wantedSize(after.target, guest)) work[g] = false;
        return v ? { message: v, guest: g } : null;
      },
    }));
  },
};
