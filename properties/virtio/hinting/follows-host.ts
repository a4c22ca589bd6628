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
 */
import { CMD_ID_DONE, CMD_ID_STOP } from '../../../core/virtio/hinting.ts';
import { forkable } from '../../property.ts';
import type { VirtioProperty } from '../property.ts';
import { hintingGuests } from './family.ts';

/** The host's last word per guest: none yet, a round asked, STOP, DONE. */
const Host = { None: 0, Asked: 1, Stop: 2, Done: 3 } as const;

export const hintFollowsHost: VirtioProperty = {
  name: 'hint-follows-host',
  kind: 'eventually',
  doc: 'with FREE_PAGE_HINT, after the final drain the device\'s command id is STOP when the host last said it can no longer use hints, and DONE when it last said it no longer needs the hinted pages',
  refs: 'VIRTIO 1.2 5.5.6.5.2, statements 47 and 52 (docs/virtio-spec.md); QEMU virtio_balloon_free_page_stop and virtio_balloon_free_page_done',
  monitor: (config) => {
    const on = new Set(hintingGuests(config));
    return forkable({ host: new Uint8Array(config.guests.length) }, ({ host }) => ({
      step({ command, result }) {
        if (command.kind !== 'hint' || !on.has(command.guest) || result.outcome !== 'accepted') return null;
        const k = command.op.kind;
        if (k === 'hint-request') host[command.guest] = Host.Asked;
        else if (k === 'hint-stop') host[command.guest] = Host.Stop;
        else if (k === 'hint-done') host[command.guest] = Host.Done;
        return null;
      },
      end({ obs }) {
        for (const g of on) {
          const want = host[g] === Host.Stop ? CMD_ID_STOP : host[g] === Host.Done ? CMD_ID_DONE : null;
          const id = obs.guests[g]?.hinting?.cmdId;
          if (want === null || id === want) continue;
          const why = want === CMD_ID_STOP
            ? 'the host last said it can no longer use hints (hint-stop), so the device should set it to STOP (5.5.6.5.2 statement 47)'
            : 'the host last said it no longer needs the hinted pages (hint-done), so the device must set it to DONE (5.5.6.5.2 statement 52), or the driver keeps them';
          return { guest: g, message: `guest ${g} (free page hinting): after the final drain free_page_hint_cmd_id is ${id ?? 'not shown'}, but ${why}` };
        }
        return null;
      },
    }));
  },
};
