/**
 * The viewer's HTML: one self-contained file (inline CSS, inline script, the data as a JSON
 * block), which opens from disk and loads nothing: a Content-Security-Policy forbids every
 * fetch, so a stray reference would fail loudly in the browser tests instead of phoning out.
 */
import { readFileSync } from 'node:fs';
import type { ViewerData } from './extract.ts';

// Named page-script.js, not page.js: compiled (dist/viewer/), this module is itself page.js.
const SCRIPT = readFileSync(new URL('./page-script.js', import.meta.url), 'utf8');

const CSS = `
body{font:13px/1.35 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:8px 14px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:16px;margin:0 0 2px} h2{font-size:14px;margin:6px 0} h3{font-size:13px;margin:6px 0 3px}
#meta,#note{color:#555} #outcome{white-space:pre-wrap;font:12px ui-monospace,monospace;margin:4px 0 0;color:#333}
#nav{position:sticky;top:0;z-index:2;background:#fff;padding:6px 14px;border-bottom:1px solid #ddd}
#nav .row{display:flex;gap:8px;align-items:center}
#slider{flex:1} #track{position:relative;flex:1}
#ticks{position:relative;height:12px}
.tick{position:absolute;transform:translateX(-50%);border:0;background:none;color:#d62728;font-size:11px;padding:0;cursor:pointer}
.drain{position:absolute;top:2px;bottom:2px;right:0;background:#e8e2f4;border-left:2px solid #8e6cc0}
#step-line{font:13px ui-monospace,monospace;margin-top:4px}
#command{font-weight:bold}
main{display:flex;gap:14px;padding:8px 14px;flex-wrap:wrap}
section{background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px 10px}
#left{flex:0 0 590px} #right{flex:1 1 420px;min-width:380px}
canvas{display:block;image-rendering:pixelated;max-width:100%}
.key{display:inline-flex;align-items:center;gap:3px;margin-right:10px;font-size:12px}
.key i,.swatch{display:inline-block;width:11px;height:11px;border:1px solid #999;margin-right:3px}
.counts{font-size:12px;color:#444;margin-bottom:3px}
#step-failure{border:2px solid #d62728;background:#fff3f3;padding:6px 8px;margin:6px 0;border-radius:4px}
.fail-head{font-weight:bold;color:#b00}.fail-msg{margin:3px 0}.fail-doc{color:#555;font-size:12px}
.diff-head{font-weight:bold;margin-top:4px}.diff{margin:2px 0 0 18px;padding:0}
.kv{display:flex;gap:8px;font-size:12px}.kv b{flex:0 0 130px;font-weight:600}
table{border-collapse:collapse;font:12px ui-monospace,monospace;width:100%}
td{padding:1px 6px;border-bottom:1px solid #eee;vertical-align:top}
tr.cur{background:#fff3c4} tr{cursor:pointer} td.mark{color:#d62728;font-weight:bold} td.num{text-align:right}
.chart{margin-bottom:8px}
.st{border:1px solid #bbb;border-radius:6px;padding:2px 4px;margin:2px;background:#fff;font-size:11px}
.st.parallel>.kids{display:flex;gap:0;flex-wrap:wrap}
.st.parallel>.kids>.st{border-style:dashed;flex:1 1 auto}
.st.compound>.kids{display:flex;flex-wrap:wrap;gap:2px}
.st .name{color:#555}
.st.atomic,.st.final{border-radius:10px;padding:1px 6px}
.st.in{border-color:#4e79a7}
.st.on{background:#4e79a7;border-color:#274b74}.st.on>.name{color:#fff;font-weight:bold}
body.failing #nav{background:#fff0f0}
button{font:inherit}
`;

/** JSON for a <script type="application/json"> block: nothing in it can close the block. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/**
 * The whole page for one trace.
 *
 * @example
 *   writeFileSync('trace.html', viewerHtml(extractViewerData(trace, opts).data));
 */
export function viewerHtml(data: ViewerData): string {
  const title = `balloon trace: ${data.meta.file}`.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${title}</title>
<style>${CSS}</style></head>
<body>
<header><h1 id="title"></h1><div id="meta"></div><div id="note"></div><pre id="outcome"></pre></header>
<div id="nav">
  <div class="row">
    <button id="prev" title="previous step (←)">◀ prev</button>
    <div id="track"><input id="slider" type="range" min="0" max="0" value="0" style="width:100%" aria-label="step"><div id="ticks"></div></div>
    <button id="next" title="next step (→)">next ▶</button>
    <button id="to-fail" title="go to the failing step">failing step</button>
  </div>
  <div id="step-line">step <span id="step-no"></span> of 0…<span id="total"></span>: <span id="command"></span> → <span id="result"></span>; <span id="changes"></span> · <span id="host-free"></span> · <span id="phase"></span></div>
  <div id="step-failure" hidden></div>
  <div style="font-size:11px;color:#777">keys: ← → one step, ↑ ↓ ten, PgUp PgDn a hundred, Home End; the URL keeps the step (#step=N)</div>
</div>
<main>
  <div id="left">
    <section><h2>host frames, coloured by owner</h2><div id="frame-legend"></div><canvas id="frames"></canvas></section>
    <section><h2>guest pages (gpfns) by state</h2><div id="page-legend"></div><div id="guests"></div></section>
  </div>
  <div id="right">
    <section><h2>steps</h2><table><tbody id="log"></tbody></table></section>
    <section><h2>this step, as the family sees it</h2><div id="panel"></div></section>
    <section><h2>statecharts (current states filled)</h2><div id="charts"></div></section>
  </div>
</main>
<script type="application/json" id="viewer-data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
