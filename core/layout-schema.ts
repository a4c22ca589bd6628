/**
 * A guest's layout (core/layout.ts) as trace files hold it: every family's guest schema takes it
 * as an optional field; the family's configProblems checks the rest (order, overlap, wire width).
 */
import { z } from 'zod';

/** The breaks of a layout: from gpfn `from` on, gpfn n is pfn `pfn + (n - from)`. */
export const LayoutSchema = z.array(z.strictObject({
  from: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  pfn: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
})).min(1).max(16).describe('where each gpfn sits in the guest-physical address space (core/layout.ts); absent: gpfn n is page n');
