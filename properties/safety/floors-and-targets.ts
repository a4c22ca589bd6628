import { stateless, type Property } from '../property.ts';

/**
 * Invariant 10: the balloon never grows past what the guest can spare (its floor: Xen XSA-300
 * was a guest ballooning itself to death), and targets are clamped to the guest's memory.
 */
export const floorsAndTargets: Property = {
  name: 'floors-and-targets',
  kind: 'always',
  doc: 'the balloon stays within ramPages - floorPages; targets are clamped to guest memory',
  refs: 'docs/INVARIANTS.md invariant 10; Xen XSA-300',
  monitor: (config) => stateless({
    // The balloon's size and the target change only with these.
    interests: ['buffer-queued', 'ack-consumed', 'actual-written', 'target-set', 'reset'],
    step({ command, result, obs }) {
      const gc = config.guests[command.guest];
      const g = obs.guests[command.guest];
      if (!gc || !g) return null;
      const size = g.counts.inflating + g.counts.ballooned + g.counts.deflating;
      const room = gc.ramPages - gc.floorPages;
      if (size > room) return { message: `guest ${command.guest}'s balloon holds ${size} gpfns, past the ${room} it can spare (RAM ${gc.ramPages}, floor ${gc.floorPages})`, guest: command.guest };
      if (g.target > gc.ramPages || g.target < 0) return { message: `guest ${command.guest}'s target is ${g.target}, outside its ${gc.ramPages} pages of RAM`, guest: command.guest };
      for (const e of result.effects) {
        if (e.kind === 'target-set' && e.target !== Math.min(e.requested, gc.ramPages)) {
          return { message: `a target of ${e.requested} for guest ${e.guest} became ${e.target}, not ${Math.min(e.requested, gc.ramPages)}`, guest: e.guest };
        }
      }
      return null;
    },
  }),
};
