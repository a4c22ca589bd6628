import { stateless } from '../property.ts';
import { profileOf } from '../../core/virtio/index.ts';
import type { VirtioProperty } from '../virtio/property.ts';

/**
 * Invariant 8: the driver deflates only what the host asked for (the balloon stays at or above
 * the target, in whole guest pages), unless DEFLATE_ON_OOM was negotiated and the guest is really
 * out of memory: an allocation that the free pages could not satisfy. Linux's 2020 "switch back
 * to OOM handler" fix exists because deflating under ordinary reclaim made a busy loop.
 */
export const deflateOnlyWhenAsked: VirtioProperty = {
  name: 'deflate-only-when-asked',
  kind: 'always',
  doc: 'no deflate below the target unless DEFLATE_ON_OOM is on and an allocation really failed',
  refs: 'docs/INVARIANTS.md invariant 8; VIRTIO 5.5.6.1 statements 11 and 12 (docs/virtio-spec.md); the failed allocation is the linux profile\'s',
  monitor: (config) => stateless({
    interests: ['buffer-queued'],
    step({ command, result, before, obs }) {
      for (const e of result.effects) {
        if (e.kind !== 'buffer-queued' || e.queue !== 'deflate' || e.origin === 'hostile') continue;
        const gc = config.guests[e.guest];
        const gpp = gc.guestPageGpfns;
        const after = before.ballooned - e.gpfns.length;
        const floorTarget = Math.floor(obs.guests[e.guest].target / gpp) * gpp;
        if (after >= floorTarget) continue;
        const oom = command.kind === 'alloc' && before.free < command.pages * gpp;
        if (gc.features.deflateOnOom && oom) continue;
        // Profile spec: 5.5.6.1 lets a DEFLATE_ON_OOM driver deflate when stability needs it and
        // names no trigger (statement 12); the failed allocation is Linux's (its OOM notifier).
        if (gc.features.deflateOnOom && e.origin === 'oom' && profileOf(config) === 'spec') continue;
        const why = !gc.features.deflateOnOom ? 'DEFLATE_ON_OOM was not negotiated'
          : command.kind === 'alloc' ? `the guest had ${before.free} free gpfns for an allocation of ${command.pages * gpp}` : `the guest was not allocating (${command.kind})`;
        return { message: `guest ${e.guest} deflated ${e.gpfns.length} gpfns, leaving ${after} below the target of ${obs.guests[e.guest].target}, and ${why}`, guest: e.guest };
      }
      return null;
    },
  }),
};
