// impl/guest-program.ts: the guest program VMware, Hyper-V and VirtualBox share. An allocation
// backs its pages (lazily backing hosts) or finds them backed (Hyper-V), all or nothing; a write
// puts a fresh token in the page's frame and a read returns it; frees and touches pick pages as
// `choose` says.
import { describe, expect, it } from 'vitest';
import { guestConfig, PageState, UNBACKED } from '../../core/virtio/index.ts';
import { GuestMemory } from '../../impl/guest-memory.ts';
import { GuestProgram } from '../../impl/guest-program.ts';
import { HostFrames } from '../../impl/host.ts';

const rig = (backOnAlloc: boolean, frames = 64, over: Parameters<typeof guestConfig>[0] = {}) => {
  const host = new HostFrames(frames, 2);
  const mem = new GuestMemory(0, guestConfig({ ramPages: 8, floorPages: 0, ...over }), host);
  return { host, mem, program: new GuestProgram(host, { backOnAlloc }) };
};

describe('GuestProgram', () => {
  it('backs the pages it allocates when the host backs lazily, the frames reported before the allocation', () => {
    const { mem, program } = rig(true);
    const out: { kind: string }[] = [];
    expect(program.apply(mem, { kind: 'alloc', pages: 2, pick: 3 }, out)).toBeNull();
    expect(out.map((e) => e.kind)).toEqual(['frame-mapped', 'frame-mapped', 'pages-allocated']);
    expect(out[2]).toMatchObject({ gpfns: [3, 4] });
    expect(mem.p2m[3]).not.toBe(UNBACKED);
    expect(mem.pageState[4]).toBe(PageState.Used);
    expect(mem.counts).toMatchObject({ free: 6, used: 2 });
  });

  it('refuses an allocation the host cannot back, changing nothing', () => {
    const { host, mem, program } = rig(true, 3);
    const out: { kind: string }[] = [];
    expect(program.apply(mem, { kind: 'alloc', pages: 2, pick: 0 }, out)).toBe('host/out-of-frames');
    expect(out).toEqual([]);
    expect(host.freeCount).toBe(1);
    expect(mem.counts).toMatchObject({ free: 8, used: 0 });
  });

  it('zeroes the frames of pages found backed and backs none itself when the host backs up front', () => {
    const { host, mem, program } = rig(false);
    const f = mem.populate(1);
    host.content[f] = 99;
    const out: { kind: string }[] = [];
    expect(program.apply(mem, { kind: 'alloc', pages: 2, pick: 1 }, out)).toBeNull();
    expect(out.map((e) => e.kind)).toEqual(['pages-allocated']);
    expect(host.content[f]).toBe(0);
    expect(mem.p2m[2]).toBe(UNBACKED);
  });

  it('reports every gpfn of a 64 KiB guest page it allocates and frees', () => {
    const { mem, program } = rig(false, 64, { ramPages: 32, guestPageGpfns: 16 });
    const out: { kind: string; gpfns?: readonly number[] }[] = [];
    expect(program.apply(mem, { kind: 'alloc', pages: 1, pick: 1 }, out)).toBeNull();
    expect(out[0].gpfns).toEqual(Array.from({ length: 16 }, (_, i) => 16 + i));
    expect(program.apply(mem, { kind: 'free', pages: 5, pick: 0 }, out)).toBeNull();
    expect(out[1]).toMatchObject({ kind: 'pages-freed', gpfns: out[0].gpfns });
    expect(mem.counts).toMatchObject({ free: 32, used: 0 });
  });

  it('writes fresh tokens and reads back what was written; touching needs a used page', () => {
    const { mem, program } = rig(true);
    const out: { kind: string; token?: number; value?: number }[] = [];
    expect(program.apply(mem, { kind: 'write', pick: 0 }, out)).toBe('guest/no-used-pages');
    expect(program.apply(mem, { kind: 'free', pages: 1, pick: 0 }, out)).toBe('guest/no-used-pages');
    program.apply(mem, { kind: 'alloc', pages: 1, pick: 5 }, out);
    out.length = 0;
    program.apply(mem, { kind: 'write', pick: 0 }, out);
    program.apply(mem, { kind: 'write', pick: 0 }, out);
    program.apply(mem, { kind: 'read', pick: 0 }, out);
    expect(out.map((e) => [e.kind, e.token ?? e.value])).toEqual([['wrote', 1], ['wrote', 2], ['read', 2]]);
  });

  it('backs a used page that lost its frame on its next touch, and says so', () => {
    const { mem, program } = rig(true);
    program.apply(mem, { kind: 'alloc', pages: 1, pick: 0 }, []);
    mem.unback(0);
    const out: { kind: string }[] = [];
    expect(program.apply(mem, { kind: 'read', pick: 0 }, out)).toBeNull();
    expect(out).toMatchObject([{ kind: 'frame-mapped', gpfn: 0 }, { kind: 'read', gpfn: 0, value: 0 }]);
  });
});
