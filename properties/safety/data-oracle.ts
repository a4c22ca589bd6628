import { gpfnArray } from '../../core/index.ts';
import { forkable, type Property } from '../property.ts';
import { at } from '../words.ts';

/**
 * Invariant 3, the data oracle: what the guest wrote to a page it owns is what it reads back.
 * The shadow lives here, in the checker, not in the implementation: a system under test does
 * not grade itself. A freshly allocated page reads as zeros (allocation zero-fills), so a frame
 * handed on unscrubbed from another guest shows; a freed page forgets its token; a reset leaves
 * the guest's used pages, and so their tokens, alone.
 */
export const dataOracle: Property = {
  name: 'data-oracle',
  kind: 'always',
  doc: 'a read returns the last token the guest wrote to that gpfn since it allocated it',
  refs: 'docs/INVARIANTS.md invariant 3 (data oracle)',
  monitor: (config) => {
    // Per guest and gpfn, the token a read must return; -1 when nothing is known (never
    // allocated, or freed since). Typed arrays, not a Map: this runs on most steps.
    return forkable({ shadow: config.guests.map((g) => gpfnArray(Int32Array, g.ramPages + g.holePages, -1)) }, ({ shadow }) => ({
      interests: ['wrote', 'read', 'pages-freed', 'pages-allocated'],
      step({ result }) {
        for (const e of result.effects) {
          switch (e.kind) {
            case 'wrote': shadow[e.guest][e.gpfn] = e.token; break;
            case 'pages-freed': for (const n of e.gpfns) shadow[e.guest][n] = -1; break;
            case 'pages-allocated': for (const n of e.gpfns) shadow[e.guest][n] = 0; break;
            case 'read': {
              const want = shadow[e.guest][e.gpfn];
              if (want !== -1 && want !== e.value) {
                const wrote = want === 0 ? 'the page was allocated (zero-filled) and never written' : `the guest last wrote token ${want} there`;
                return { message: `${at(e.guest, e.gpfn)} read back ${e.value === 0 ? 'a zeroed page' : `token ${e.value}`}, but ${wrote}`, guest: e.guest, gpfn: e.gpfn };
              }
            }
          }
        }
        return null;
      },
    }));
  },
};
