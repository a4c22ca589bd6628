// impl/host.ts: the host's frame table. Every frame is free, reserved, or mapped by exactly one
// (guest, gpfn); running out is an answer (-1), not an error (docs/INVARIANTS.md, invariants 1-2).
import { describe, expect, it } from 'vitest';
import { FRAME_FREE, FRAME_RESERVED } from '../../core/virtio/index.ts';
import { HostFrames } from '../../impl/host.ts';

describe('HostFrames', () => {
  it('starts with the reserved frames held by the host and the rest free', () => {
    const h = new HostFrames(6, 2);
    expect([...h.owner]).toEqual([FRAME_RESERVED, FRAME_RESERVED, FRAME_FREE, FRAME_FREE, FRAME_FREE, FRAME_FREE]);
    expect(h.freeCount).toBe(4);
    expect(h.observe()).toMatchObject({ totalFrames: 6, reservedFrames: 2, freeFrames: 4 });
  });

  it('maps the lowest free frame to (guest, gpfn), zeroed, and counts it out', () => {
    const h = new HostFrames(6, 2);
    h.content[2] = 99; // left over from an earlier owner
    expect(h.map(1, 17)).toBe(2);
    expect(h.map(0, 3)).toBe(3);
    expect([h.owner[2], h.ownerGpfn[2], h.content[2]]).toEqual([1, 17, 0]);
    expect([h.owner[3], h.ownerGpfn[3]]).toEqual([0, 3]);
    expect(h.freeCount).toBe(2);
  });

  it('answers -1 when out of frames and changes nothing (overcommit is ordinary)', () => {
    const h = new HostFrames(3, 1);
    h.map(0, 0);
    h.map(0, 1);
    const owner = h.owner.slice();
    expect(h.map(0, 2)).toBe(-1);
    expect(h.owner).toEqual(owner);
    expect(h.freeCount).toBe(0);
  });

  it('takes a released frame back as free, unmapped, and hands it out again first', () => {
    const h = new HostFrames(5, 1);
    const a = h.map(0, 10);
    h.map(0, 11);
    h.release(a);
    expect([h.owner[a], h.ownerGpfn[a]]).toEqual([FRAME_FREE, -1]);
    expect(h.freeCount).toBe(3);
    expect(h.map(1, 4)).toBe(a);
  });

  it('conserves frames: free + mapped + reserved = total after any maps and releases', () => {
    const h = new HostFrames(10, 3);
    const mapped: number[] = [];
    for (let i = 0; i < 5; i++) mapped.push(h.map(i % 2, i));
    h.release(mapped[1]);
    h.release(mapped[3]);
    const count = (pred: (o: number) => boolean) => [...h.owner].filter(pred).length;
    expect(count((o) => o === FRAME_FREE)).toBe(h.freeCount);
    expect(h.freeCount + count((o) => o >= 0) + count((o) => o === FRAME_RESERVED)).toBe(10);
    expect(count((o) => o >= 0)).toBe(3);
  });
});
