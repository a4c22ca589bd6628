/**
 * The configuration of a checked Xen system: one hypervisor running several domains, each with a
 * Linux-like balloon driver (docs/families/xen.md). Sizes are in 4 KiB pages (gpfns, frames);
 * the toolstack's own unit, KiB, appears only where a target is printed (`xl mem-set`).
 */

export type XenMode = 'pv' | 'hvm';

import type { WorldGuestConfig } from '../world.ts';
import { layoutProblems } from '../layout.ts';

export interface XenGuestConfig extends WorldGuestConfig {
  /** Xen balloons in 4 KiB pages (XEN_PAGE_SIZE): one gpfn a guest page. */
  guestPageGpfns: 1;
  /** Passthrough is not modelled for Xen (docs/families/xen.md). */
  assignedDevice: false;
  /** The domain's static maximum (maxmem) in 4 KiB pages: gpfns 0..ramPages-1 minus the hole. */
  ramPages: number;
  /** A non-RAM (MMIO) hole inside the gpfn space, as an HVM guest's PCI window; empty when holePages is 0. */
  holeStart: number;
  holePages: number;
  /**
   * Pages the balloon driver never takes from the guest: current_pages stays at or above this.
   * Linux bounds a balloon-down step by what the guest can spare (balloon_thread: min(-credit,
   * si_mem_available()), the XSA-300 fix); a floor is that bound as a number a checker can read.
   */
  floorPages: number;
  /** PV: the guest keeps its own p2m and must invalidate it (decrease_reservation, __set_phys_to_machine). HVM: Xen's p2m only. */
  mode: XenMode;
  /**
   * Populate-on-demand (HVM only): 0 for none; else the domain is built with every RAM gpfn a PoD
   * entry and a cache of this many frames (its real allocation, below ramPages), and the
   * toolstack's first target is this size (xl: memory < maxmem). xen/arch/x86/mm/p2m-pod.c.
   */
  podPages: number;
}

export interface XenSystemConfig {
  family: 'xen';
  /** Xen's p2m gives pages back in 4 KiB units here: host pages of one gpfn. */
  hostPageGpfns: 1;
  /** Host frames in 4 KiB units. */
  hostFrames: number;
  /** Frames Xen keeps for itself, never handed to a domain. */
  reservedFrames: number;
  /**
   * The largest extent order a domain may name in decrease_reservation / populate_physmap
   * (xen/common/memory.c: the per-domain maximum order, "memop: limit guest specified extent
   * order", XSA-31). 9 is a 2 MiB extent.
   */
  maxExtentOrder: number;
  /** Gpfns in one balloon batch: one page of xen_pfn_t (balloon.c frame_list: 4096 / 8 = 512). */
  batchGpfns: number;
  /** balloon_stats.max_retry_count (Linux default 16; 0 is RETRY_UNLIMITED, not offered here). */
  maxRetries: number;
  /** balloon_stats.max_schedule_delay in seconds (Linux default 32). */
  maxDelay: number;
  guests: XenGuestConfig[];
}

/** True when `n` names RAM of guest `g` (in range and not in the hole). */
/** Pages the domain is built with: all of RAM, or the PoD cache for a PoD domain. */
export const xenInitialPages = (g: XenGuestConfig): number => (g.podPages > 0 ? g.podPages : g.ramPages);

export function xenGuestConfig(over: Partial<XenGuestConfig> = {}): XenGuestConfig {
  return { ramPages: 64, guestPageGpfns: 1, holeStart: 0, holePages: 0, floorPages: 8, assignedDevice: false, mode: 'hvm', podPages: 0, ...over };
}

/** A small two-domain system (one PV, one HVM with a hole): the default for property runs. */
export function xenSystemConfig(over: Partial<XenSystemConfig> = {}): XenSystemConfig {
  return {
    family: 'xen',
    hostPageGpfns: 1,
    hostFrames: 132,
    reservedFrames: 4,
    maxExtentOrder: 9,
    batchGpfns: 512,
    maxRetries: 16,
    maxDelay: 32,
    guests: [xenGuestConfig({ mode: 'pv' }), xenGuestConfig({ ramPages: 48, holeStart: 32, holePages: 8 })],
    ...over,
  };
}

/** Why a configuration cannot be built, one message per problem naming the field (empty when fine). */
export function xenConfigProblems(c: XenSystemConfig): string[] {
  const p: string[] = [];
  const whole = (v: unknown, min: number) => typeof v === 'number' && Number.isInteger(v) && v >= min;
  if (c.family !== 'xen') p.push(`family: ${JSON.stringify(c.family)} is not xen`);
  if (!whole(c.hostFrames, 1) || c.hostFrames > 1 << 24) p.push('hostFrames: must be a whole number from 1 to 2^24');
  if (c.hostPageGpfns !== 1) p.push('hostPageGpfns: must be 1 (Xen balloons 4 KiB pages)');
  if (!whole(c.reservedFrames, 0) || c.reservedFrames >= c.hostFrames) p.push('reservedFrames: must be a whole number below hostFrames');
  if (!whole(c.maxExtentOrder, 0) || c.maxExtentOrder > 18) p.push('maxExtentOrder: must be a whole number from 0 to 18');
  if (!whole(c.batchGpfns, 1) || c.batchGpfns > 4096) p.push('batchGpfns: must be a whole number from 1 to 4096');
  if (!whole(c.maxRetries, 1) || c.maxRetries > 1000) p.push('maxRetries: must be a whole number from 1 to 1000');
  if (!whole(c.maxDelay, 1) || c.maxDelay > 3600) p.push('maxDelay: must be a whole number of seconds from 1 to 3600');
  if (!Array.isArray(c.guests) || c.guests.length < 1 || c.guests.length > 256) { p.push('guests: must list 1 to 256 guests'); return p; }
  let built = 0;
  c.guests.forEach((g, i) => {
    const at = `guests[${i}]`;
    if (!whole(g.ramPages, 1) || g.ramPages > 1 << 24) p.push(`${at}.ramPages: must be a whole number from 1 to 2^24`);
    if (!whole(g.holeStart, 0) || !whole(g.holePages, 0) || g.holeStart > g.ramPages) p.push(`${at}.holeStart/holePages: must be whole numbers with the hole inside the address space`);
    // xen_pfn_t extents are 64 bits wide; no x86-64 pfn passes 2^40 (core/layout.ts).
    p.push(...layoutProblems(g, at, 64, 1));
    if (!whole(g.floorPages, 0) || g.floorPages > g.ramPages) p.push(`${at}.floorPages: must be a whole number from 0 to ramPages`);
    if (g.guestPageGpfns !== 1) p.push(`${at}.guestPageGpfns: must be 1 (Xen balloons 4 KiB pages)`);
    if (g.assignedDevice !== false) p.push(`${at}.assignedDevice: must be false (passthrough is not modelled for Xen)`);
    if (g.mode !== 'pv' && g.mode !== 'hvm') p.push(`${at}.mode: must be "pv" or "hvm"`);
    if (!whole(g.podPages, 0) || g.podPages >= g.ramPages && g.podPages !== 0) p.push(`${at}.podPages: must be 0 or a whole number below ramPages`);
    else if (g.podPages > 0 && g.mode !== 'hvm') p.push(`${at}.podPages: populate-on-demand needs an HVM guest`);
    else if (g.podPages > 0 && g.podPages < g.floorPages) p.push(`${at}.podPages: the PoD allocation must hold the floor (${g.floorPages} pages)`);
    built += whole(g.ramPages, 1) ? xenInitialPages(g) : 0;
  });
  if (p.length === 0 && built > c.hostFrames - c.reservedFrames) {
    p.push(`guests: the domains are built with ${built} pages but the host has ${c.hostFrames - c.reservedFrames} frames to give (Xen refuses to build a domain it cannot back)`);
  }
  return p;
}
