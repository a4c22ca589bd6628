/**
 * The configuration of a checked VirtualBox system: one host and several guests, each with the
 * Guest Additions' balloon (VBoxGuest.cpp, the kernel path) talking to the VMMDev device
 * (docs/families/virtualbox.md). Sizes are in 4 KiB pages; the balloon moves in chunks of
 * `chunkPages` pages (VMMDEV_MEMORY_BALLOON_CHUNK_PAGES: 256, one MiB).
 */
import type { WorldConfig, WorldGuestConfig } from '../world.ts';
import { layoutProblems } from '../layout.ts';

/** VMMDEV_MEMORY_BALLOON_CHUNK_PAGES: pages of one chunk, 1 MiB of 4 KiB pages. */
export const VBOX_CHUNK_PAGES = 256;

/**
 * The frame that backs every ballooned page: PGM's shared zero page. It is one of the host's
 * reserved frames (frame 0), never in a guest's p2m: a ballooned gpfn reads as zeros through it,
 * read-only, and owns no frame of its own (docs/families/virtualbox.md, "The shared zero page").
 */
export const VBOX_ZERO_FRAME = 0;

export interface VboxGuestConfig extends WorldGuestConfig {
  guestPageGpfns: 1;
  assignedDevice: false;
  /**
   * Virtual CPUs. With one, the host applies a ChangeMemBalloon inside the request
   * (VMMR3EmtRendezvous); with several, it posts the change to an EMT and the request returns
   * first (PGMR3PhysChangeMemBalloon: VMR3ReqCallNoWait, "in the SMP case we post a request").
   */
  cpus: number;
}

export interface VboxSystemConfig extends WorldConfig {
  family: 'virtualbox';
  hostPageGpfns: 1;
  guests: VboxGuestConfig[];
  /** Pages of a chunk: 256 in VirtualBox; the small systems of property runs may use a smaller power of two. */
  chunkPages: number;
}

/** Chunks of the guest's RAM (the host's cPhysMemChunks answer). */
export const physChunksOf = (g: VboxGuestConfig, chunkPages: number): number => Math.floor(g.ramPages / chunkPages);

/**
 * The guest's maximum chunk count: its RAM in chunks less what it keeps for itself (the floor).
 * VBoxGuest takes cPhysMemChunks as its maximum; the floor is the testbed's (XSA-300's lesson),
 * folded in here so the balloon never takes the guest below it.
 */
export const maxChunksOf = (g: VboxGuestConfig, chunkPages: number): number => Math.floor((g.ramPages - g.floorPages) / chunkPages);

export function vboxGuestConfig(over: Partial<VboxGuestConfig> = {}): VboxGuestConfig {
  return { ramPages: 64, guestPageGpfns: 1, holeStart: 0, holePages: 0, floorPages: 8, assignedDevice: false, cpus: 1, ...over };
}

export function vboxSystemConfig(over: Partial<VboxSystemConfig> = {}): VboxSystemConfig {
  return {
    family: 'virtualbox', hostPageGpfns: 1, hostFrames: 140, reservedFrames: 4, chunkPages: 8,
    guests: [vboxGuestConfig(), vboxGuestConfig({ ramPages: 48, holeStart: 32, holePages: 8, cpus: 2 })],
    ...over,
  };
}

const isPow2 = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

/** Why `c` cannot be built, one message per problem, each naming its field; empty when it can. */
export function vboxConfigProblems(c: VboxSystemConfig): string[] {
  const out: string[] = [];
  const whole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (c.family !== 'virtualbox') out.push(`family must be "virtualbox", not ${JSON.stringify(c.family)}`);
  if (c.hostPageGpfns !== 1) out.push('hostPageGpfns must be 1 (PGM frees 4 KiB pages)');
  if (!whole(c.hostFrames, 1, 1 << 24)) out.push('hostFrames must be a whole number from 1 to 2^24');
  if (!whole(c.reservedFrames, 1, 1 << 24) || c.reservedFrames >= c.hostFrames) out.push('reservedFrames must be a whole number from 1 (the shared zero page) below hostFrames');
  if (!isPow2(c.chunkPages) || c.chunkPages < 2 || c.chunkPages > VBOX_CHUNK_PAGES) out.push(`chunkPages must be a power of two from 2 to ${VBOX_CHUNK_PAGES}`);
  if (!Array.isArray(c.guests) || c.guests.length < 1 || c.guests.length > 256) { out.push('guests must list 1 to 256 guests'); return out; }
  c.guests.forEach((g, i) => {
    const at = `guests[${i}]`;
    // Up to 2^30 pages (4 TiB): per-gpfn maps past 2^22 gpfns are paged (core/paged.ts), so such a
    // guest costs the pages it touches; gpfns stay below 2^31, the range of an Int32Array entry.
    if (!whole(g.ramPages, 1, 2 ** 30) || (isPow2(c.chunkPages) && g.ramPages % c.chunkPages !== 0)) out.push(`${at}.ramPages must be a whole number of chunks (chunkPages ${c.chunkPages}) up to 2^30 pages`);
    if (g.guestPageGpfns !== 1) out.push(`${at}.guestPageGpfns must be 1`);
    if (g.assignedDevice !== false) out.push(`${at}.assignedDevice must be false (passthrough is not modelled for VirtualBox)`);
    if (!whole(g.holeStart, 0, 2 ** 30) || !whole(g.holePages, 0, 2 ** 24) || (g.holePages > 0 && g.holeStart > g.ramPages)) out.push(`${at}.holeStart and holePages must place the hole inside the gpfn space`);
    // RTGCPHYS is 64 bits; a chunk (1 MiB) stays whole in one range.
    out.push(...layoutProblems(g, at, 64, isPow2(c.chunkPages) ? c.chunkPages : 1));
    if (!whole(g.floorPages, 0, g.ramPages)) out.push(`${at}.floorPages must be a whole number from 0 to ramPages`);
    if (isPow2(c.chunkPages) && whole(g.ramPages, 1, 1 << 24) && whole(g.floorPages, 0, g.ramPages) && maxChunksOf(g, c.chunkPages) < 1) out.push(`${at}.floorPages must leave room for at least one chunk (ramPages - floorPages >= chunkPages)`);
    if (!whole(g.cpus, 1, 64)) out.push(`${at}.cpus must be a whole number from 1 to 64`);
  });
  return out;
}
