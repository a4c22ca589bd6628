import type { Property } from '../property.ts';
import { at } from '../words.ts';

/**
 * Invariant 3, the data oracle: what the guest wrote to a page it owns is what it reads back.
 * The shadow lives here, in the checker, not in the implementation: a system under test does
 * not grade itself. A page that is freed or allocated anew forgets its token.
 */
export const dataOracle: Property = {
  name: 'data-oracle',
  kind: 'always',
  doc: 'a read returns the last token the guest wrote to that gpfn since it allocated it',
  refs: 'PROTOCOLS.md invariant 3 (data oracle)',
  monitor: () => {
    const shadow = new Map<number, number>();
    const key = (g: number, n: number) => g * 2 ** 32 + n;
    return {
      interests: ['wrote', 'read', 'pages-freed', 'pages-allocated', 'reset'],
      step({ result }) {
        for (const e of result.effects) {
          switch (e.kind) {
            case 'wrote': shadow.set(key(e.guest, e.gpfn), e.token); break;
            case 'pages-freed': case 'pages-allocated': for (const n of e.gpfns) shadow.delete(key(e.guest, n)); break;
            case 'reset': for (const k of shadow.keys()) if (Math.floor(k / 2 ** 32) === e.guest) shadow.delete(k); break;
            case 'read': {
              const want = shadow.get(key(e.guest, e.gpfn));
              if (want !== undefined && want !== e.value) {
                return { message: `${at(e.guest, e.gpfn)} read back ${e.value === 0 ? 'a zeroed page' : `token ${e.value}`}, but the guest last wrote token ${want} there`, guest: e.guest, gpfn: e.gpfn };
              }
            }
          }
        }
        return null;
      },
    };
  },
};
