/**
 * Layouts of real machines (issue 22): where a guest's pages sit in its guest-physical address
 * space. The testbed numbers a guest's pages densely, gpfn 0 to gpfnSpace - 1 (RAM and the MMIO
 * hole it keeps), and every map (p2m, DMA view, page states) is sized by that count. A layout says
 * which guest-physical page number (pfn: the address shifted right by 12, what a protocol's wire
 * carries) each gpfn stands for, so a guest's RAM may sit in several ranges (below the 32-bit PCI
 * hole, the hole itself, above 4 GiB, past a NUMA gap, up to 2^40) while the maps stay as small as
 * its pages: memory follows the pages a guest has, never the span of its address space.
 *
 * A layout is a list of breaks: from gpfn `from` on, gpfn n is pfn `pfn + (n - from)`, up to the
 * next break. Without a layout gpfn n is pfn n, as every configuration written before layouts.
 * Pfns between ranges belong to no page of the guest: a request that names one names nothing.
 *
 * Wire widths (what each family's messages can carry; checked by `layoutProblems`):
 * - virtio: 32-bit page frame numbers in the inflate and deflate queues (VIRTIO 1.2 5.5.6, the
 *   le32 array; Linux virtio_balloon.c fills a u32 pfns[] array), so every pfn is below 2^32;
 * - Xen: xen_pfn_t extents (64 bits on x86-64 and Arm; public/memory.h);
 * - VMware: a 64-bit entry per page in batched commands, a 32-bit register without batching,
 *   where Linux vmw_balloon refuses to send a page whose number does not fit (vmballoon_send_lock_page:
 *   pfn32 != pfn);
 * - Hyper-V: union dm_mem_page_range, a 40-bit start page and a 24-bit count (hv_balloon.c);
 * - VirtualBox: RTGCPHYS guest-physical addresses, 64 bits (VMMDevChangeMemBalloon).
 * Whatever the wire, an x86-64 guest-physical address has at most 52 bits, a pfn at most 40
 * (the Hyper-V header says so of AMD64), so no layout reaches past 2^40.
 */
import type { WorldGuestConfig } from './world.ts';

/** From gpfn `from` on, gpfn n sits at guest-physical page `pfn + (n - from)`. */
export interface LayoutBreak {
  from: number;
  pfn: number;
}

/** Breaks in increasing `from`, the first at gpfn 0. */
export type GuestLayout = readonly LayoutBreak[];

/** The architectural limit of an x86-64 pfn: 52-bit physical addresses of 4 KiB pages. */
export const PFN_LIMIT_BITS = 40;

/** 4 GiB in 4 KiB pages: RAM from here on is "above 4 GiB". */
export const PFN_4GIB = 2 ** 20;
/** 3 GiB in 4 KiB pages: where a PC's 32-bit PCI hole starts (it ends at 4 GiB). */
export const PFN_PCI_HOLE = 0xc0000;

type Layouted = Pick<WorldGuestConfig, 'ramPages' | 'holePages'> & { layout?: GuestLayout };

/** The pfn of gpfn `n` (any gpfn of the guest's space; without a layout, `n` itself). */
export function pfnOf(g: Layouted, n: number): number {
  const l = g.layout;
  if (!l) return n;
  let i = l.length - 1;
  while (i > 0 && l[i].from > n) i--;
  return l[i].pfn + (n - l[i].from);
}

/**
 * The gpfn that pfn `p` stands for, or -1 when no page of the guest sits there (between ranges,
 * past the end, not a whole number). The inverse of `pfnOf`: what a host reads off a wire.
 */
export function gpfnOfPfn(g: Layouted, p: number): number {
  const span = g.ramPages + g.holePages;
  if (!Number.isSafeInteger(p) || p < 0) return -1;
  const l = g.layout;
  if (!l) return p < span ? p : -1;
  for (let i = l.length - 1; i >= 0; i--) {
    if (p < l[i].pfn) continue;
    const end = Math.min(i + 1 < l.length ? l[i + 1].from : span, span);
    const n = l[i].from + (p - l[i].pfn);
    return n < end ? n : -1;
  }
  return -1;
}

/** One past the highest pfn of the guest: the width its address space needs. */
export const pfnEnd = (g: Layouted): number => pfnOf(g, g.ramPages + g.holePages - 1) + 1;

/**
 * Why `g.layout` is not a layout for a guest whose wire carries `bits`-bit page numbers and whose
 * ranges must start on `align`-gpfn boundaries (its guest page and host page), one message per
 * problem, each naming `at` (the guest's path in the configuration). Empty when it is fine or
 * absent.
 */
export function layoutProblems(g: Layouted, at: string, bits: number, align: number): string[] {
  const l = g.layout;
  if (l === undefined) return [];
  const where = `${at}.layout`;
  if (!Array.isArray(l) || l.length < 1 || l.length > 16) return [`${where}: must list 1 to 16 breaks`];
  const out: string[] = [];
  const whole = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  l.forEach((b, i) => {
    if (!b || !whole(b.from) || !whole(b.pfn)) { out.push(`${where}[${i}]: from and pfn must be whole numbers`); return; }
    if (b.from % align !== 0 || b.pfn % align !== 0) out.push(`${where}[${i}]: from and pfn must be multiples of ${align} (a guest page and a host page)`);
    if (i === 0 && b.from !== 0) out.push(`${where}[0].from: the first break is at gpfn 0`);
    if (i > 0 && whole(l[i - 1]?.from) && whole(l[i - 1]?.pfn)) {
      const prev = l[i - 1];
      if (b.from <= prev.from) out.push(`${where}[${i}].from: breaks must be in increasing order`);
      else if (b.pfn < prev.pfn + (b.from - prev.from)) out.push(`${where}[${i}].pfn: ranges must not overlap (the previous one reaches ${prev.pfn + (b.from - prev.from)})`);
    }
  });
  if (out.length > 0) return out;
  const limit = 2 ** Math.min(bits, PFN_LIMIT_BITS);
  if (pfnEnd(g) > limit) out.push(`${where}: the highest page number ${pfnEnd(g) - 1} does not fit the family's ${Math.min(bits, PFN_LIMIT_BITS)}-bit page numbers`);
  return out;
}
