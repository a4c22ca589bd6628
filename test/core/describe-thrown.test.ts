/** core/describe-thrown.ts: one bounded line for any thrown value, and it never throws itself. */
import { describe, expect, it } from 'vitest';
import { describeThrown, MAX_THROWN_CHARS } from '../../core/virtio/index.ts';

class WithThrowingMessage extends Error {
  override get message(): string { throw new Error('no'); }
  override set message(_v: string) { /* ignored */ }
}

describe('describeThrown', () => {
  it.each([
    [new TypeError('boom'), 'TypeError: boom'],
    [new Error('first line\n    at f (x.ts:1:1)'), 'Error: first line'],
    [Object.create(null), 'a thrown object with no prototype'],
    [{ toString() { throw new Error('no'); } }, 'a thrown object that cannot be described'],
    [{}, 'a thrown object'],
    [undefined, 'a thrown undefined'],
    [null, 'a thrown null'],
    [Symbol('x'), 'a thrown symbol Symbol(x)'],
    [42, 'a thrown number 42'],
    [10n, 'a thrown bigint 10'],
    ['plain words', 'plain words'],
    [new WithThrowingMessage(), 'Error: (its message cannot be read)'],
    [{ name: 'Remote', message: 'carried' }, 'Remote: carried'],
  ])('describes value %#', (value, text) => {
    expect(describeThrown(value)).toBe(text);
  });

  it('keeps a huge value to one line of at most MAX_THROWN_CHARS characters', () => {
    const text = describeThrown('x'.repeat(5_000_000));
    expect(text.length).toBe(MAX_THROWN_CHARS);
    expect(text.endsWith('…')).toBe(true);
    expect(describeThrown(`\n\n${'y'.repeat(10)}\nz`)).toBe('yyyyyyyyyy');
  });

  it('survives a Proxy that throws on every access', () => {
    const trap = () => { throw new Error('trap'); };
    const p = new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });
    expect(describeThrown(p)).toBe('a thrown object that cannot be described');
  });
});
