// impl/faults.ts: the bug zoo's names, checked in one place for the command line, trace replay
// and the library.
import { describe, expect, it } from 'vitest';
import { faultNames, faultSet, isFaultName, unknownFault } from '../../impl/virtio/faults.ts';

describe('fault names', () => {
  it('knows exactly the zoo\'s own keys, not those every object inherits', () => {
    expect(faultNames.every(isFaultName)).toBe(true);
    for (const n of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'gremlins']) expect(isFaultName(n), n).toBe(false);
    expect(() => faultSet(['constructor'])).toThrow(unknownFault('constructor'));
  });

  it('switches on exactly the faults named', () => {
    const f = faultSet(['double-inflate']);
    expect(Object.entries(f).filter(([, on]) => on).map(([n]) => n)).toEqual(['double-inflate']);
    expect(unknownFault('x')).toBe(`unknown fault "x" (known: ${faultNames.join(', ')})`);
  });
});
