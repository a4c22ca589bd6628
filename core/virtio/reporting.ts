/**
 * The report order of free page reporting (VIRTIO 1.2 5.5.6.7.1, statement 62: the driver SHOULD
 * report large blocks of pages rather than small ones where it can). Linux reports only free buddy
 * blocks of order page_reporting_order and up (mm/page_reporting.c: page_reporting_register sets
 * it, pageblock_order by default or the driver's own order, virtio_balloon's 5 on arm64 with 64 KiB
 * pages; page_reporting_process_zone walks the free areas from that order up). A buddy block of
 * order k is 2^k pages starting at a pfn that is a multiple of 2^k, so whatever Linux reports is a
 * union of such aligned blocks of the order it was set to.
 *
 * The testbed scales it down: a guest's `reportOrder` (core/virtio/config.ts) is k for blocks of
 * 2^k guest pages, aligned in the guest's physical page numbers (its layout, core/layout.ts), as
 * the buddy allocator aligns them. Order 0 (or none given) is any whole guest page, the testbed's
 * reports before the order existed.
 */
import { gpfnOfPfn, pfnOf } from '../layout.ts';
import type { ReadonlyGpfnArray } from '../paged.ts';
import { PageState } from '../world.ts';
import type { GuestConfig } from './config.ts';

/** Linux MAX_PAGE_ORDER: no buddy block is larger, so neither is a report order. */
export const MAX_REPORT_ORDER = 10;

/** The guest's report order: blocks of 2^order guest pages (0 when the configuration names none). */
export const reportOrderOf = (g: Pick<GuestConfig, 'reportOrder'>): number => g.reportOrder ?? 0;

type Geometry = Pick<GuestConfig, 'ramPages' | 'holePages' | 'guestPageGpfns' | 'layout'>;

/** Pfns in a block of 2^order guest pages. */
const blockSize = (g: Geometry, order: number): number => 2 ** order * g.guestPageGpfns;
/** The first pfn of the aligned block of `size` pfns that holds gpfn `n`. */
const blockFirst = (g: Geometry, size: number, n: number): number => Math.floor(pfnOf(g, n) / size) * size;

/**
 * The gpfns of the aligned block of 2^order guest pages that holds gpfn `n`, in pfn order, or
 * null when part of the block is no page of the guest (past its end, between its layout's ranges).
 */
export function reportBlock(g: Geometry, order: number, n: number): number[] | null {
  const size = blockSize(g, order);
  const first = blockFirst(g, size, n);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    const x = gpfnOfPfn(g, first + i);
    if (x < 0) return null;
    out.push(x);
  }
  return out;
}

/**
 * Whether every gpfn of the aligned block of 2^order guest pages that holds gpfn `n` is a page of
 * the guest and passes `ok`: `reportBlock(g, order, n)?.every(ok) ?? false`, without building the
 * block (a report's checks ask this once per gpfn).
 */
export function wholeBlock(g: Geometry, order: number, n: number, ok: (gpfn: number) => boolean): boolean {
  const size = blockSize(g, order);
  const first = blockFirst(g, size, n);
  for (let i = 0; i < size; i++) {
    const x = gpfnOfPfn(g, first + i);
    if (x < 0 || !ok(x)) return false;
  }
  return true;
}

/**
 * What a driver that reports blocks of 2^order guest pages takes: walking the guest pages of
 * `pages` in their order (a free list from where the command's pick starts), the aligned blocks
 * whose every gpfn `isFree` says is free, each once, up to `max` blocks; their gpfns, block after
 * block. With order 0 every free page is a block of its own, so the first `max` free pages.
 */
export function freeBlocks(g: Geometry, order: number, pages: Iterable<number>, isFree: (gpfn: number) => boolean, max: number): number[] {
  const out: number[] = [];
  const taken = new Set<number>();
  let blocks = 0;
  for (const p of pages) {
    if (blocks >= max) break;
    const n = p * g.guestPageGpfns;
    if (!wholeBlock(g, order, n, isFree)) continue;
    const b = reportBlock(g, order, n)!;
    if (taken.has(b[0])) continue;
    taken.add(b[0]);
    out.push(...b);
    blocks++;
  }
  return out;
}

/**
 * Where `gpfns` (one report) is not a union of whole aligned blocks of 2^order guest pages: the
 * first gpfn whose block is not all in it, or null when every block is whole.
 */
export function partialBlock(g: Geometry, order: number, gpfns: readonly number[]): number | null {
  const sent = new Set(gpfns);
  const inReport = (x: number) => sent.has(x);
  // A block found whole is not walked again for its other gpfns (a report of b blocks of s gpfns
  // costs b * s, not (b * s) * s).
  const size = blockSize(g, order);
  const whole = new Set<number>();
  for (const n of gpfns) {
    const first = blockFirst(g, size, n);
    if (whole.has(first)) continue;
    if (!wholeBlock(g, order, n, inReport)) return n;
    whole.add(first);
  }
  return null;
}

/**
 * Whether some aligned block of 2^order guest pages is free whole in `pageState` (a guest's per-gpfn
 * states): what a report of that order needs. Scans the map, so a caller asks only when a report
 * was refused (a guest with free memory finds one at its first free block).
 */
export function hasFreeBlock(g: Geometry, order: number, pageState: ReadonlyGpfnArray): boolean {
  const isFree = (x: number) => pageState[x] === PageState.Free;
  for (let n = 0; n < pageState.length; n += g.guestPageGpfns) {
    if (isFree(n) && wholeBlock(g, order, n, isFree)) return true;
  }
  return false;
}
