import { XEN_CONTRACTS } from '../../../core/xen/index.ts';
import type { XenProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Each command keeps its contract (core/xen/contracts.ts): a refusal only with a code that is
 * legal in the state before, and an accepted command did what it names. Ties the verdict to the
 * commands given, so an implementation that does nothing or refuses everything fails.
 */
export const xenCommandContract: XenProperty = {
  name: 'xen-command-contract',
  kind: 'always',
  doc: 'every command is refused only when its contract allows, and an accepted one did what it names',
  refs: 'core/xen/contracts.ts (each entry cites its source)',
  monitor: (config) => stateless({
    step({ command, result, obs, before }) {
      const contract = XEN_CONTRACTS[command.kind];
      const guest = config.guests[command.guest];
      const after = obs.guests[command.guest];
      if (!contract || !guest || !after) return null;
      const why = contract.check({ command, result, before, after, now: obs.xen.now, guest });
      return why ? { message: why, guest: command.guest } : null;
    },
  }),
};
