/**
 * The configuration of a checked VMware system: one ESXi-like host and several guests, each with
 * a Linux-like vmw_balloon driver (docs/families/vmware.md). Sizes are in 4 KiB pages (frames);
 * the balloon's size and target are counted in them too, as the driver counts `size`.
 */
import type { WorldConfig, WorldGuestConfig } from '../world.ts';
import { gpfnOfPfn, layoutProblems, pfnOf } from '../layout.ts';

/**
 * Capabilities the host grants at START (vmw_balloon.c VMW_BALLOON_*_CMDS and friends). The guest
 * always asks for all of them; the host answers with the ones it grants. `basic` is implied.
 */
export interface VmwCaps {
  /** BATCHED_CMDS: one shared page of entries per LOCK / UNLOCK, a status per entry. */
  batched: boolean;
  /** BATCHED_2M_CMDS: 2 MiB locks and unlocks; used only together with `batched` (vmballoon_send_start). */
  large: boolean;
  /** SIGNALLED_WAKEUP_CMD: the VMCI doorbell the host rings when the target changes. */
  doorbell: boolean;
  /** 64_BIT_TARGET: a target that does not fit in 32 bits; without it GET_TARGET refuses such memory sizes. */
  target64: boolean;
}

export interface VmwGuestConfig extends WorldGuestConfig {
  /** vmw_balloon balloons 4 KiB pages (and 2 MiB ones, a run of `largePageGpfns` gpfns). */
  guestPageGpfns: 1;
  assignedDevice: false;
  /**
   * The guest physical page number of gpfn 0: 0 for memory below 4 GiB, larger for RAM the
   * firmware put high (a 64-bit guest's memory above the PCI hole starts at 2^32 / 4 KiB). A page
   * number over 32 bits cannot travel in a non-batched command (its register is 32 bits wide).
   */
  ppnBase: number;
  /** What the host grants this guest at START. */
  caps: VmwCaps;
}

export interface VmwSystemConfig extends WorldConfig {
  family: 'vmware';
  /** The host drops locked pages one 4 KiB frame at a time. */
  hostPageGpfns: 1;
  guests: VmwGuestConfig[];
  /** Entries in one batch page (Linux: a 4 KiB page of 8-byte entries, 512). Non-batched: 1. */
  batchPages: number;
  /**
   * Gpfns in one large page. Real 2 MiB pages are 512 of them; the small systems of property
   * runs use a smaller power of two so that large pages fit (docs/families/vmware.md).
   */
  largePageGpfns: number;
  /** VMW_BALLOON_MAX_REFUSED: refused pages held in one inflation round before a breather (Linux 16). */
  maxRefused: number;
}

/** The largest page number a 32-bit register carries. */
export const MAX_PPN32 = 0xffff_ffff;

/** The guest physical page number of a gpfn: past `ppnBase`, where its layout puts it (core/layout.ts). */
export const ppnOf = (g: VmwGuestConfig, gpfn: number): number => g.ppnBase + pfnOf(g, gpfn);

/** The gpfn a page number names, or -1 when no page of the guest sits there. */
export const gpfnOfPpn = (g: VmwGuestConfig, ppn: number): number => (g.layout ? gpfnOfPfn(g, ppn - g.ppnBase) : ppn - g.ppnBase);

/** 2 MiB pages are used only when both batched capabilities are granted (vmballoon_send_start). */
export const largeUsable = (c: VmwCaps): boolean => c.batched && c.large;

export const ALL_CAPS: VmwCaps = { batched: true, large: true, doorbell: true, target64: true };
export const NO_CAPS: VmwCaps = { batched: false, large: false, doorbell: false, target64: false };

export function vmwGuestConfig(over: Partial<VmwGuestConfig> = {}): VmwGuestConfig {
  return {
    ramPages: 64, guestPageGpfns: 1, holeStart: 0, holePages: 0, floorPages: 8, assignedDevice: false,
    ppnBase: 0, caps: { ...ALL_CAPS }, ...over,
  };
}

export function vmwSystemConfig(over: Partial<VmwSystemConfig> = {}): VmwSystemConfig {
  return {
    family: 'vmware', hostPageGpfns: 1, hostFrames: 132, reservedFrames: 4,
    batchPages: 8, largePageGpfns: 4, maxRefused: 4,
    guests: [vmwGuestConfig(), vmwGuestConfig({ ramPages: 48, holeStart: 32, holePages: 8, caps: { ...NO_CAPS } })],
    ...over,
  };
}

const isPow2 = (n: number) => Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;

/** Why `c` cannot be built, one message per problem, each naming its field; empty when it can. */
export function vmwConfigProblems(c: VmwSystemConfig): string[] {
  const out: string[] = [];
  const whole = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
  if (c.family !== 'vmware') out.push(`family must be "vmware", not ${JSON.stringify(c.family)}`);
  if (c.hostPageGpfns !== 1) out.push('hostPageGpfns must be 1 (the host drops 4 KiB frames)');
  if (!whole(c.hostFrames, 1, 1 << 24)) out.push('hostFrames must be a whole number from 1 to 2^24');
  if (!whole(c.reservedFrames, 0, 1 << 24) || c.reservedFrames >= c.hostFrames) out.push('reservedFrames must be a whole number below hostFrames');
  if (!whole(c.batchPages, 1, 512)) out.push('batchPages must be a whole number from 1 to 512 (one page of entries)');
  if (!isPow2(c.largePageGpfns) || c.largePageGpfns < 2 || c.largePageGpfns > 512) out.push('largePageGpfns must be a power of two from 2 to 512');
  if (!whole(c.maxRefused, 1, 1 << 16)) out.push('maxRefused must be a whole number from 1 to 65536');
  if (!Array.isArray(c.guests) || c.guests.length < 1 || c.guests.length > 256) { out.push('guests must list 1 to 256 guests'); return out; }
  c.guests.forEach((g, i) => {
    const at = `guests[${i}]`;
    if (!whole(g.ramPages, 1, 1 << 24)) out.push(`${at}.ramPages must be a whole number from 1 to 2^24`);
    if (g.guestPageGpfns !== 1) out.push(`${at}.guestPageGpfns must be 1`);
    if (g.assignedDevice !== false) out.push(`${at}.assignedDevice must be false (passthrough is not modelled for VMware)`);
    if (!whole(g.holeStart, 0, 1 << 24) || !whole(g.holePages, 0, 1 << 24) || (g.holePages > 0 && g.holeStart > g.ramPages)) out.push(`${at}.holeStart and holePages must place the hole inside the gpfn space`);
    // Batched entries are 64 bits; without batching the driver refuses what 32 bits cannot carry (vmballoon_send_lock_page).
    out.push(...layoutProblems(g, at, 64, isPow2(c.largePageGpfns) ? c.largePageGpfns : 1));
    if (!whole(g.floorPages, 0, g.ramPages)) out.push(`${at}.floorPages must be a whole number from 0 to ramPages`);
    if (!whole(g.ppnBase, 0, 2 ** 40) || g.ppnBase % c.largePageGpfns !== 0) out.push(`${at}.ppnBase must be a whole number from 0 to 2^40, a multiple of largePageGpfns`);
    const k = g.caps as Partial<VmwCaps> | undefined;
    if (!k || typeof k.batched !== 'boolean' || typeof k.large !== 'boolean' || typeof k.doorbell !== 'boolean' || typeof k.target64 !== 'boolean') out.push(`${at}.caps must say batched, large, doorbell and target64, each true or false`);
  });
  return out;
}
