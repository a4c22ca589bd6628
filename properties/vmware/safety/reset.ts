import { fillGpfns, gpfnArray, PageState } from '../../../core/index.ts';
import { gpfnOfPpn } from '../../../core/vmware/index.ts';
import type { VmwProperty } from '../property.ts';
import { forkable } from '../../property.ts';

/**
 * RESET in VMware's words: when the host forgets a balloon it holds nothing for the guest; the
 * guest must then drop every page it had locked without UNLOCK (vmw_balloon.c vmballoon_reset →
 * vmballoon_pop, a deflate that does not tell the host) and hold none of them as locked once it has started
 * over. Nothing locked before the RESET is UNLOCKed once the driver has been answered RESET, until
 * it has been LOCKed again: before that answer the driver cannot know, and compaction
 * (vmballoon_migratepage) does not ask whether a reset is due, so its UNLOCK is answered RESET.
 */
export const vmwResetForgets: VmwProperty = {
  name: 'vmware-reset-forgets',
  kind: 'always',
  doc: 'after a RESET nothing locked before it is UNLOCKed, and once started over the guest holds none of it as ballooned',
  refs: 'Linux vmw_balloon.c vmballoon_reset, vmballoon_pop; VMW_BALLOON_ERROR_RESET',
  // Per guest, per gpfn: 1 when the host forgot it locked and it has not been locked again;
  // and whether the driver has been told (a reply of RESET): until then it cannot know. The
  // monitor's only state (forkable: a fork copies it).
  monitor: (config) => forkable({
    forgotten: config.guests.map((g) => gpfnArray(Uint8Array, g.ramPages + g.holePages)),
    told: config.guests.map(() => false),
  }, ({ forgotten, told }) => ({
      step({ result, obs }) {
        for (const e of result.effects) {
          const f = forgotten[e.guest];
          const cfg = config.guests[e.guest];
          if (!f || !cfg) continue;
          const g = obs.guests[e.guest];
          if (e.kind === 'host-forgot') {
            for (let n = 0; n < f.length; n++) if (g.pageState[n] === PageState.Ballooned) f[n] = 1;
          } else if (e.kind === 'backdoor' && e.origin !== 'hostile' && e.status === 'reset') {
            told[e.guest] = true;
          } else if (e.kind === 'backdoor' && e.origin !== 'hostile' && (e.cmd.endsWith('lock'))) {
            const locking = !e.cmd.endsWith('unlock');
            e.ppns.forEach((ppn, i) => {
              const n = gpfnOfPpn(cfg, ppn);
              if (n < 0 || n >= f.length) return;
              if (locking && e.entries[i] === 'success') for (let x = n; x < n + e.pageGpfns && x < f.length; x++) f[x] = 0;
            });
            // Compaction does not consult reset_required (vmballoon_migratepage), and is answered RESET.
            if (!locking && told[e.guest] && e.origin === 'driver') {
              for (const ppn of e.ppns) {
                const n = gpfnOfPpn(cfg, ppn);
                if (n >= 0 && n < f.length && f[n]) return { message: `guest ${e.guest}'s driver sent ${e.cmd} for gpfn ${n}, which the host forgot in a RESET`, guest: e.guest, gpfn: n };
              }
            }
          } else if (e.kind === 'work' && e.reset) {
            for (let n = 0; n < f.length; n++) {
              if (f[n] && g.pageState[n] === PageState.Ballooned && !g.hostBallooned[n]) return { message: `guest ${e.guest} started over after a RESET but still holds gpfn ${n} as ballooned`, guest: e.guest, gpfn: n };
            }
            fillGpfns(f, 0);
            told[e.guest] = false;
          }
        }
        return null;
      },
    })),
};
