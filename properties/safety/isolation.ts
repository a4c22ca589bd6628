import { stateless, type Property } from '../property.ts';

/**
 * Invariant 9: nothing a guest sends, and nothing done for one guest, changes another guest's
 * mappings, frames or balloon. Every effect of a command must name the command's own guest.
 */
export const isolation: Property = {
  name: 'isolation',
  kind: 'always',
  doc: 'a command for one guest has no effect on any other guest',
  refs: 'docs/INVARIANTS.md invariant 9',
  monitor: () => stateless({
    step({ command, result }) {
      for (const e of result.effects) {
        if (e.guest === command.guest) continue;
        const where = 'gpfn' in e ? ` (gpfn ${e.gpfn}${'frame' in e ? `, frame ${e.frame}` : ''})` : '';
        return { message: `a ${command.kind} command of guest ${command.guest} changed guest ${e.guest}: ${e.kind}${where}`, guest: e.guest };
      }
      return null;
    },
  }),
};
