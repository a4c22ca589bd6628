/**
 * The abstraction function of conformance (model/virtio/project.ts): the per-step check fills two
 * reused objects and asks `sameAbstract`, and only builds `diffAbstract`'s words when they differ.
 * Both must see every field, and a reused object must not carry counts over from its last use.
 */
import { describe, expect, it } from 'vitest';
import { type GuestObservation } from '../../core/virtio/index.ts';
import { abstractObservation, blankAbstract, diffAbstract, sameAbstract, type AbstractGuest } from '../../model/virtio/index.ts';

const observation = (over: Partial<GuestObservation['counts']> = {}, inflight: { queue: 'inflate' | 'deflate' | 'stats' | 'reporting'; acked: boolean }[] = []) => ({
  target: 8, actual: 4,
  counts: { ballooned: 4, inflating: 2, deflating: 0, free: 10, used: 6, ...over },
  inflight,
}) as unknown as GuestObservation;

describe('the abstraction compared per step', () => {
  it('every field that differs makes sameAbstract false and diffAbstract name it', () => {
    const base = abstractObservation(observation());
    for (const k of Object.keys(blankAbstract()) as (keyof AbstractGuest)[]) {
      const other = { ...base, [k]: base[k] + 1 };
      expect(sameAbstract(base, other)).toBe(false);
      expect(diffAbstract(base, other)).toHaveLength(1);
    }
    expect(sameAbstract(base, { ...base })).toBe(true);
    expect(diffAbstract(base, { ...base })).toEqual([]);
  });

  it('an object filled again holds the new observation only (queue counts start from 0)', () => {
    const into = blankAbstract();
    abstractObservation(observation({}, [{ queue: 'inflate', acked: true }, { queue: 'stats', acked: false }]), into);
    const again = abstractObservation(observation({ free: 9 }, [{ queue: 'deflate', acked: false }]), into);
    expect(again).toBe(into);
    expect(again).toEqual(abstractObservation(observation({ free: 9 }, [{ queue: 'deflate', acked: false }])));
    expect(again).toMatchObject({ inflate: 0, deflate: 1, stats: 0, acked: 0, free: 9 });
  });
});
