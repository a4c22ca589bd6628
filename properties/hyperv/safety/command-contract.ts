import { HV_CONTRACTS } from '../../../core/hyperv/index.ts';
import type { HvProperty } from '../property.ts';
import { stateless } from '../../property.ts';

/**
 * Each command keeps its contract (core/hyperv/contracts.ts): a refusal only with a code legal
 * in the state before, and an accepted command did what it names. Ties the verdict to the
 * commands given, so an implementation that does nothing or refuses everything fails.
 */
export const hvCommandContract: HvProperty = {
  name: 'hv-command-contract',
  kind: 'always',
  doc: 'every command is refused only when its contract allows, and an accepted one did what it names',
  refs: 'core/hyperv/contracts.ts (each entry cites its source)',
  monitor: (config) => stateless({
    step({ command, result, obs, before }) {
      const contract = HV_CONTRACTS[command.kind];
      const guest = config.guests[command.guest];
      const after = obs.guests[command.guest];
      if (!contract || !guest || !after) return null;
      const why = contract.check({ command, result, before, after, guest });
      return why ? { message: why, guest: command.guest } : null;
    },
  }),
};
