/**
 * The guest program every family but virtio and Xen runs the same way (core/world.ts
 * `WorldCommand`): allocate, free, write and read guest pages. The allocator's choice is `pick`
 * (impl/guest-memory.ts `choose`), so a command means the same pages in every family; what
 * differs between families is only whether an allocation backs its pages (a host that backs
 * memory lazily on the first touch: VMware's ESXi, VirtualBox's zero page) or finds them backed
 * (Hyper-V: a guest's RAM is backed from the start; only a fault leaves a page without a frame).
 *
 * One object per system: it holds the write counter, so tokens are unique across the system's
 * guests, and it keeps no other state (a fork copies it with the system: core/fork.ts).
 */
import {
  frame as asFrame, gpfn as asGpfn, guestId, PageState, UNBACKED, type WorldEffect,
} from '../core/index.ts';
import { choose, type GuestMemory } from './guest-memory.ts';
import type { HostFrames } from './host.ts';

/** The guest program's refusals, as core/world.ts `WORLD_ERROR_CODES` names them. */
export type GuestProgramCode = 'guest/oom' | 'guest/no-used-pages' | 'host/out-of-frames';

/** The world effects the guest program reports (core/world.ts); every family's effects include them. */
type ProgramEffect = Extract<WorldEffect, { kind: 'frame-mapped' | 'pages-allocated' | 'pages-freed' | 'wrote' | 'read' }>;

/** Where a family's effects go: its own effect list. */
interface Effects { push(...e: ProgramEffect[]): number }

/** A guest-program command (core/world.ts `WorldCommand` without set-target). */
type ProgramCommand =
  | { kind: 'alloc'; pages: number; pick: number }
  | { kind: 'free'; pages: number; pick: number }
  | { kind: 'write'; pick: number }
  | { kind: 'read'; pick: number };

export interface GuestProgramOptions {
  /**
   * True when an allocation backs each page it takes (and so needs a free host frame per
   * unbacked gpfn, all or nothing); false when the pages are expected backed already and an
   * allocation only zeroes the frames they have.
   */
  backOnAlloc: boolean;
}

export class GuestProgram {
  /** The last token written: every write puts a fresh one into its frame. */
  private token = 0;

  constructor(private readonly frames: HostFrames, private readonly options: GuestProgramOptions) {}

  /**
   * Run one guest-program command on `mem`; null when it was done, else why it was refused (the
   * refusal changes nothing). Effects in the order every family reported them before this was
   * shared: frames mapped by the touch first, then what the program did.
   */
  apply(mem: GuestMemory, c: ProgramCommand, out: Effects): GuestProgramCode | null {
    switch (c.kind) {
      case 'alloc': return this.alloc(mem, c.pages, c.pick, out);
      case 'free': return this.free(mem, c.pages, c.pick, out);
      case 'write':
      case 'read': {
        const n = mem.usedGpfn(c.pick);
        if (n < 0) return 'guest/no-used-pages';
        const f = this.touch(mem, n, out);
        if (f < 0) return 'host/out-of-frames';
        const gid = guestId(mem.id);
        if (c.kind === 'write') {
          this.frames.content[f] = ++this.token;
          out.push({ kind: 'wrote', guest: gid, gpfn: asGpfn(n), token: this.token });
        } else {
          out.push({ kind: 'read', guest: gid, gpfn: asGpfn(n), value: this.frames.content[f] });
        }
        return null;
      }
    }
  }

  /** Allocate and zero `pages` free guest pages chosen by `pick`, all or nothing. */
  private alloc(mem: GuestMemory, pages: number, pick: number, out: Effects): GuestProgramCode | null {
    if (!Number.isInteger(pages) || pages < 1 || mem.free.size < pages) return 'guest/oom';
    const chosen = choose(mem.free.size, pages, pick).map((i) => mem.free.at(i));
    if (this.options.backOnAlloc) {
      let needed = 0;
      for (const x of chosen) needed += mem.unbackedIn(x);
      if (needed > this.frames.freeCount) return 'host/out-of-frames';
    }
    const gpfns: number[] = [];
    for (const x of chosen) {
      mem.free.delete(x); mem.used.add(x); mem.setPage(x, PageState.Used);
      for (let n = x * mem.gpp; n < (x + 1) * mem.gpp; n++) {
        gpfns.push(n);
        if (this.options.backOnAlloc) this.touch(mem, n, out);
        const f = mem.p2m[n];
        if (f !== UNBACKED) this.frames.content[f] = 0;
      }
    }
    out.push({ kind: 'pages-allocated', guest: guestId(mem.id), gpfns: gpfns.map(asGpfn) });
    return null;
  }

  /** Free `pages` used guest pages chosen by `pick` (as many as there are). */
  private free(mem: GuestMemory, pages: number, pick: number, out: Effects): GuestProgramCode | null {
    const n = Math.min(pages, mem.used.size);
    if (!(n > 0)) return 'guest/no-used-pages';
    const chosen = choose(mem.used.size, n, pick).map((i) => mem.used.at(i));
    const gpfns: number[] = [];
    for (const x of chosen) {
      mem.used.delete(x); mem.free.add(x); mem.setPage(x, PageState.Free);
      for (let k = x * mem.gpp; k < (x + 1) * mem.gpp; k++) gpfns.push(k);
    }
    out.push({ kind: 'pages-freed', guest: guestId(mem.id), gpfns: gpfns.map(asGpfn) });
    return null;
  }

  /** Back `n` on touch if it has no frame; the frame, or -1 when the host is out. */
  private touch(mem: GuestMemory, n: number, out: Effects): number {
    const before = mem.p2m[n];
    const f = mem.populate(n);
    if (f >= 0 && before !== f) out.push({ kind: 'frame-mapped', guest: guestId(mem.id), gpfn: asGpfn(n), frame: asFrame(f) });
    return f;
  }
}
