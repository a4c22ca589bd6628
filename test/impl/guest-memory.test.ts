// impl/guest-memory.ts: a guest's gpfn space, its p2m and DMA view, and the allocator's page
// states. Frames are populated on first touch and a deflated gpfn gets a fresh zeroed frame on
// its next touch (docs/families/virtio.md, "What real systems do": QEMU).
import { describe, expect, it } from 'vitest';
import { FRAME_FREE, guestConfig, PageState, UNBACKED } from '../../core/virtio/index.ts';
import { GuestMemory } from '../../impl/guest-memory.ts';
import { HostFrames } from '../../impl/host.ts';
import { asTyped } from '../../core/index.ts';

const memory = (over: Parameters<typeof guestConfig>[0] = {}, frames = 64) =>
  new GuestMemory(1, guestConfig({ ramPages: 16, floorPages: 0, ...over }), new HostFrames(frames, 2));

describe('GuestMemory', () => {
  it('starts with every RAM page free, the hole not RAM, and nothing backed', () => {
    const m = memory({ holeStart: 8, holePages: 4 });
    expect(m.space).toBe(20);
    expect(m.counts).toEqual({ free: 16, used: 0, inflating: 0, ballooned: 0, deflating: 0 });
    expect([...asTyped(m.pageState).slice(6, 14)]).toEqual([1, 1, 0, 0, 0, 0, 1, 1].map((x) => (x ? PageState.Free : PageState.Hole)));
    expect(m.free.size).toBe(16);
    expect(asTyped(m.p2m).every((f) => f === UNBACKED)).toBe(true);
    expect(m.dmaView).toBeNull();
  });

  it('counts in guest pages of 16 gpfns when the guest page is 64 KiB', () => {
    const m = memory({ ramPages: 64, guestPageGpfns: 16 });
    expect(m.free.size).toBe(4);
    m.setPage(2, PageState.Used);
    expect([...new Set(asTyped(m.pageState).slice(32, 48))]).toEqual([PageState.Used]);
    expect(m.pageState[31]).toBe(PageState.Free);
    expect(m.counts).toMatchObject({ free: 48, used: 16 });
  });

  it('moves pages between allocator states, keeping every counter in step', () => {
    const m = memory();
    m.setPage(0, PageState.Used);
    m.setPage(1, PageState.Inflating);
    m.setPage(1, PageState.Ballooned);
    m.setPage(2, PageState.Deflating);
    expect(m.counts).toEqual({ free: 13, used: 1, inflating: 0, ballooned: 1, deflating: 1 });
    m.setPage(1, PageState.Free);
    expect(m.counts).toEqual({ free: 14, used: 1, inflating: 0, ballooned: 0, deflating: 1 });
  });

  it('populates a gpfn once, in the p2m and the DMA view, and keeps the frame on a second touch', () => {
    const m = memory({ assignedDevice: true });
    const f = m.populate(5);
    expect(f).toBe(2); // the lowest free frame
    expect([m.p2m[5], m.dmaView?.[5], m.host.owner[f], m.host.ownerGpfn[f]]).toEqual([f, f, 1, 5]);
    expect(m.populate(5)).toBe(f);
    expect(m.host.freeCount).toBe(61);
    expect(m.unbackedIn(5)).toBe(0);
    expect(m.unbackedIn(6)).toBe(1);
  });

  it('answers -1 and maps nothing when the host is out of frames', () => {
    const m = memory({}, 3);
    expect(m.populate(0)).toBe(2);
    expect(m.populate(1)).toBe(-1);
    expect(m.p2m[1]).toBe(UNBACKED);
  });

  it('unbacks a gpfn: both views lose it, the frame goes back, and the next touch gets a zeroed frame', () => {
    const m = memory({ assignedDevice: true });
    const f = m.populate(3);
    m.host.content[f] = 42;
    m.populate(4); // takes the next frame, so the released one is on top of the free stack
    expect(m.unback(3)).toBe(f);
    expect([m.p2m[3], m.dmaView?.[3], m.host.owner[f]]).toEqual([UNBACKED, UNBACKED, FRAME_FREE]);
    expect(m.unback(3)).toBe(-1);
    const again = m.populate(3);
    expect(again).toBe(f);
    expect(m.host.content[again]).toBe(0);
  });

  it('releaseOnly (the discard-not-propagated fault) frees the frame but leaves the p2m mapping it', () => {
    const m = memory();
    const f = m.populate(7);
    expect(m.releaseOnly(7)).toBe(f);
    expect([m.p2m[7], m.host.owner[f]]).toEqual([f, FRAME_FREE]);
    expect(m.releaseOnly(7)).toBe(-1); // no longer the owner: nothing to release twice
  });

  it('names used gpfns by pick, wrapping over used pages and within a guest page', () => {
    const m = memory({ ramPages: 64, guestPageGpfns: 16 });
    expect(m.usedGpfn(0)).toBe(-1);
    m.used.add(1);
    m.used.add(3);
    expect([m.usedGpfn(0), m.usedGpfn(1), m.usedGpfn(2), m.usedGpfn(3)]).toEqual([16, 48, 17, 49]);
  });
});
