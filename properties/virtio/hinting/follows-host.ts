/**
 * The device's command id follows the host's own state (VIRTIO 1.2 5.5.6.5.2): it SHOULD set
 * free_page_hint_cmd_id to STOP any time it will not be able to make use of the hints (statement
 * 47), and it MUST set it to DONE when it no longer needs the previously hinted pages (statement
 * 52). When either holds is the host's choice, and here the workload makes it: `hint-stop` (QEMU
 * virtio_balloon_free_page_stop, the end of the bulk stage) says the host can no longer use
 * hints, `hint-done` (virtio_balloon_free_page_done, the end of migration) that it no longer needs
 * the pages, `hint-request` (virtio_balloon_free_page_start) that it asks a new round. The spec
 * names no moment for the device's answer, so this is liveness: after the fair drain, the id of a
 * guest whose host's last word was STOP is STOP, and DONE after DONE. The SHOULD of 47 is asked
 * under every profile, as the liveness properties ask the driver's SHOULD of statement 8: a device
 * that never tells the driver to stop leaves it hinting pages nobody takes.
 *
 * The expectation comes from the commands the host gave, not from the device's effects, so a
 * device that accepts them and does nothing is refused. A refused command changes nothing: the
 * command contract (hint-contract) judges whether the refusal was legal.
 *
 * A reset of the guest's balloon (the `reset` command: a device reset, VIRTIO 1.2 2.4, and a new
 * negotiation, 3.1.1) keeps the host's own state: the host that could no longer use hints still
 * cannot, so STOP is still asked (47). It ends what DONE is about: DONE tells the driver to give
 * back "the previously hinted pages" (5.5.6.5, 52), and those belonged to the driver the reset
 * removed (Linux remove_common gives every hinted page back, return_free_pages_to_mm; 2.4.1: the
 * reset device leaves its queues alone until the driver sets it up again), and the statements of
 * 5.5.6.5.2 apply anew once FREE_PAGE_HINT is negotiated again. A device that cannot use hints
 * then shows STOP (47): QEMU's virtio_balloon_device_reset calls virtio_balloon_free_page_stop,
 * which turns DONE into STOP. So after a DONE and a reset, STOP or DONE is right (the reference
 * keeps its hinting state across a reset: DONE); a round id is not: nobody asked for one.
 */
import { CMD_ID_DONE, CMD_ID_STOP } from '../../../core/virtio/hinting.ts';
import { forkable } from '../../property.ts';
import type { VirtioProperty } from '../property.ts';
import { hintingGuests } from './family.ts';

/** The host's last word per guest: none yet, a round asked, STOP, DONE; DONE and a reset of the guest's balloon since. */
const Host = { None: 0, Asked: 1, Stop: 2, Done: 3, DoneReset: 4 } as const;

export const hintFollowsHost: VirtioProperty = {
  name: 'hint-follows-host',
  kind: 'eventually',
  doc: 'with FREE_PAGE_HINT, after the final drain the device\'s command id is STOP when the host last said it can no longer use hints, and DONE when it last said it no longer needs the hinted pages (STOP or DONE when the balloon was reset since)',
  refs: 'VIRTIO 1.2 5.5.6.5.2, statements 47 and 52 (docs/virtio-spec.md), 2.4 (device reset); QEMU virtio_balloon_free_page_stop, virtio_balloon_free_page_done and virtio_balloon_device_reset',
  monitor: (config) => {
    const on = new Set(hintingGuests(config));
    return forkable({ host: new Uint8Array(config.guests.length) }, ({ host }) => ({
      step({ command, result }) {
        if (!on.has(command.guest) || result.outcome !== 'accepted') return null;
        // A reset keeps STOP and a round asked, and turns DONE into "STOP or DONE" (see the header).
        if (command.kind === 'reset' && host[command.guest] === Host.Done) host[command.guest] = Host.DoneReset;
        if (command.kind !== 'hint') return null;
        const k = command.op.kind;
        if (k === 'hint-request') host[command.guest] = Host.Asked;
        else if (k === 'hint-stop') host[command.guest] = Host.Stop;
        else if (k === 'hint-done') host[command.guest] = Host.Done;
        return null;
      },
      end({ obs }) {
        for (const g of on) {
          const h = host[g];
          const want = h === Host.Stop ? [CMD_ID_STOP] : h === Host.Done ? [CMD_ID_DONE] : h === Host.DoneReset ? [CMD_ID_STOP, CMD_ID_DONE] : [];
          const id = obs.guests[g]?.hinting?.cmdId;
          if (want.length === 0 || (id !== undefined && want.includes(id))) continue;
          const why = h === Host.Stop
            ? 'the host last said it can no longer use hints (hint-stop), so the device should set it to STOP (5.5.6.5.2 statement 47)'
            : h === Host.Done
              ? 'the host last said it no longer needs the hinted pages (hint-done), so the device must set it to DONE (5.5.6.5.2 statement 52), or the driver keeps them'
              : 'the host last said it no longer needs the hinted pages (hint-done) and the balloon was reset since: no round was asked, so the device should show STOP (5.5.6.5.2 statement 47), or DONE still';
          return { guest: g, message: `guest ${g} (free page hinting): after the final drain free_page_hint_cmd_id is ${id ?? 'not shown'}, but ${why}` };
        }
        return null;
      },
    }));
  },
};
