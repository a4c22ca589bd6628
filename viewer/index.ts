/**
 * The trace viewer: one self-contained HTML page per trace (`balloon view`, `--html` on replay
 * and check). See docs/VIEWER.md.
 */
import { writeFileSync } from 'node:fs';
import type { Trace } from '../traces/format.ts';
import { extractViewerData, type ExtractOptions } from './extract.ts';
import { viewerHtml } from './page.ts';

export { extractViewerData, type ViewerData, type ViewerStep, type ViewerFailure, type ExtractOptions } from './extract.ts';
export { viewerHtml } from './page.ts';
export { FAMILY_VIEWS, type FamilyHook, type FamilyView, type FamilyStep, type ChartInstance } from './family.ts';
export { chartTree, type ChartDrawing, type ChartNode } from './chart-tree.ts';

/** Replay `trace`, write its page to `out`, and return the replay (for a verdict or exit code). */
export function writeViewer(trace: Trace, out: string, opts: ExtractOptions) {
  const { data, result } = extractViewerData(trace, opts);
  const html = viewerHtml(data);
  writeFileSync(out, html);
  return { result, bytes: Buffer.byteLength(html) };
}
