import { hvProfileOf } from '../../../core/hyperv/index.ts';
import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * docs/INVARIANTS.md invariant 7 in Hyper-V's words: a hostile or buggy host's message (an
 * unballoon of pages never ballooned, overlapping, outside RAM or splitting a guest page; a
 * response to no open request of the guest's, or, under the careful profile, an unballoon part
 * under another id; a hot-add outside the region) is refused and changes nothing: no page, frame,
 * counter or message moves. Under sheet a part under another id is no bad message (Linux
 * balloon_down does not look at the id), whether a recorded trace or an adapter sends it.
 */
export const hvBadRequestsChangeNothing: HvProperty = {
  name: 'hv-bad-requests-change-nothing',
  kind: 'always',
  doc: 'a hostile host message is refused with a code and changes no page, frame, counter or channel',
  refs: 'docs/INVARIANTS.md invariant 7; the Hyper-V sheet ("a careful guest checks that they are ranges it ballooned"); Linux hv_balloon.c balloon_down',
  monitor: (config) => stateless({
    step({ command, result, obs, before }) {
      if (command.kind !== 'hostile' || result.outcome !== 'accepted') return null;
      if (command.msg?.type === 'unballoon-request' && command.request === 'stale-transaction' && hvProfileOf(config) !== 'careful') return null;
      const g = command.guest;
      const h = result.effects.find((e) => e.kind === 'hv-handled');
      if (!h || h.kind !== 'hv-handled') return { message: `a hostile ${command.request} of guest ${g} was not handled`, guest: g };
      if (!h.refused) return { message: `guest ${g} took a hostile ${command.request} message`, guest: g };
      const other = result.effects.find((e) => e.kind !== 'hv-handled');
      if (other) return { message: `a hostile ${command.request} of guest ${g} was refused but did ${other.kind}`, guest: g };
      const o = obs.guests[g];
      if (o.counts.used !== before.used || o.counts.free !== before.free || o.actual !== before.actual || obs.host.freeFrames !== before.hostFree) {
        return { message: `a hostile ${command.request} of guest ${g} moved its pages (used ${before.used} -> ${o.counts.used}, free ${before.free} -> ${o.counts.free})`, guest: g };
      }
      return null;
    },
  }),
};
