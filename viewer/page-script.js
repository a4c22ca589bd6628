/* global document, window, location, history, atob, performance */
/**
 * The in-page script of the trace viewer (inlined by viewer/page.ts; plain browser JavaScript,
 * no library, no network). It rebuilds the observation step by step from the run-length deltas
 * (viewer/deltas.ts), keeps a keyframe every K steps so a jump to any step is a copy plus at most
 * K deltas, draws frames and gpfns on canvases (one pixel block per frame, never a DOM node per
 * frame), and the statecharts as nested boxes. `window.balloonViewer` is a small API for tests
 * and benchmarks.
 */
(function () {
  'use strict';
  const T0 = performance.now();
  const D = JSON.parse(document.getElementById('viewer-data').textContent);
  const N = D.steps.length;
  const G = D.meta.guests.length;
  const HF = D.meta.hostFrames;
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

  // ---- decoding: the runs of every step, and where each step's runs start ----
  const bin = atob(D.deltas);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const R = new Int32Array(bytes.buffer, 0, bytes.length >> 2);
  const offset = new Int32Array(N + 1);
  let at = 4 * D.initial.fr + 5 * D.initial.gr;
  for (let i = 0; i < N; i++) { offset[i] = at; at += 4 * D.steps[i].fr + 5 * D.steps[i].gr; }
  offset[N] = at;

  // ---- the state: frame owners, each guest's gpfn values (pageState | hostBallooned << 3) and p2m ----
  const blank = () => ({
    owner: new Int32Array(HF).fill(-1), ownerGpfn: new Int32Array(HF).fill(-1),
    value: D.meta.guests.map((g) => new Uint8Array(g.gpfns)), p2m: D.meta.guests.map((g) => new Int32Array(g.gpfns).fill(-1)),
    sum: D.meta.guests.map(() => [0, 0, 0, 0, 0, 0, 0]), hostFree: NaN,
  });
  const copy = (s) => ({
    owner: s.owner.slice(), ownerGpfn: s.ownerGpfn.slice(), value: s.value.map((a) => a.slice()), p2m: s.p2m.map((a) => a.slice()),
    sum: s.sum.map((r) => r.slice()), hostFree: s.hostFree,
  });
  function applyRuns(s, from, fr, gr) {
    let p = from;
    for (let r = 0; r < fr; r++, p += 4) {
      const f0 = R[p], len = R[p + 1], o = R[p + 2], g0 = R[p + 3];
      for (let k = 0; k < len; k++) { s.owner[f0 + k] = o; s.ownerGpfn[f0 + k] = g0 < 0 ? g0 : g0 + k; }
    }
    for (let r = 0; r < gr; r++, p += 5) {
      const g = R[p], i0 = R[p + 1], len = R[p + 2], v = R[p + 3], f0 = R[p + 4];
      const val = s.value[g], m = s.p2m[g];
      for (let k = 0; k < len; k++) { val[i0 + k] = v; m[i0 + k] = f0 < 0 ? f0 : f0 + k; }
    }
  }
  const applySums = (s, rows) => { for (const r of rows) s.sum[r[0]] = r.slice(1); };
  function applyStep(s, i) {
    const st = D.steps[i];
    applyRuns(s, offset[i], st.fr, st.gr);
    applySums(s, st.s);
    s.hostFree = st.h;
  }

  // Keyframe j holds the state after step j*K - 1 (j = 0: before the first step). At most 16 of them:
  // on a 4-guest, 2^16-gpfn system one costs about 3 MB.
  const K = Math.max(64, Math.ceil(N / 16));
  const keyframes = [];
  let cur = blank();
  applyRuns(cur, 0, D.initial.fr, D.initial.gr);
  applySums(cur, D.initial.s);
  keyframes.push(copy(cur));
  for (let i = 0; i < N; i++) {
    applyStep(cur, i);
    if ((i + 1) % K === 0 && i + 1 < N) keyframes.push(copy(cur));
  }
  let curStep = N - 1;
  /** The last move's cost, split: rebuilding the state, and drawing it (for the benchmark). */
  const timing = { seekMs: 0, renderMs: 0 };

  /** Make `cur` the state after step t: forward from where we are when that is close, else from a keyframe. */
  function seek(t) {
    if (t >= curStep && t - curStep <= K) { for (let i = curStep + 1; i <= t; i++) applyStep(cur, i); curStep = t; return; }
    const j = Math.floor((t + 1) / K);
    cur = copy(keyframes[j]);
    for (let i = j * K; i <= t; i++) applyStep(cur, i);
    curStep = t;
  }

  // ---- failures ----
  const failAt = (f) => (f.step < 0 ? N - 1 : f.step);
  const failuresAt = (i) => D.failures.filter((f) => failAt(f) === i);
  const firstFail = D.failures.length ? failAt(D.failures[0]) : -1;

  // ---- colours ----
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f'];
  const FRAME_FREE = '#e6e6e6', FRAME_RESERVED = '#3b3b3b', FRAME_BALLOONED = '#d62728';
  const PAGE = ['#a3a3a3', '#e3ece3', '#4e79a7', '#f28e2b', '#8e6cc0', '#e0b400'];
  const PAGE_NAMES = ['hole', 'free', 'used', 'inflating', 'ballooned', 'deflating'];
  const BAD = '#d62728';
  const guestColour = (g) => PALETTE[g % PALETTE.length];
  // Pixels as little-endian RGBA words, computed once: the grids paint hundreds of thousands a step.
  const word = (hex) => { const n = parseInt(hex.slice(1), 16); return ((255 << 24) | ((n & 255) << 16) | (n & 0xff00) | (n >> 16)) >>> 0; };
  const W_GUEST = PALETTE.map(word), W_FREE = word(FRAME_FREE), W_RESERVED = word(FRAME_RESERVED), W_BALLOONED = word(FRAME_BALLOONED);
  const W_PAGE = PAGE.map(word), W_BAD = word(BAD);

  function frameColour(f) {
    const o = cur.owner[f];
    if (o === -1) return W_FREE;
    if (o === -2) return W_RESERVED;
    if (o < 0 || o >= G) return W_BAD;
    const g = cur.ownerGpfn[f];
    if (g >= 0 && (cur.value[o][g] & 8)) return W_BALLOONED;
    return W_GUEST[o % W_GUEST.length];
  }
  /** A gpfn whose frame another owner holds, or that the host holds in the balloon while the guest uses it. */
  function pageBad(g, i) {
    const v = cur.value[g][i], st = v & 7, f = cur.p2m[g][i];
    if ((v & 8) && (st === 1 || st === 2)) return true;
    return f >= 0 && (f >= HF || cur.owner[f] !== g || cur.ownerGpfn[f] !== i);
  }
  function pageColour(g, i) { return pageBad(g, i) ? W_BAD : W_PAGE[cur.value[g][i] & 7] ?? W_BAD; }

  // ---- grids on canvas ----
  function makeGrid(canvas, count, width, maxHeight, colour, describe) {
    let cell = Math.max(1, Math.min(14, Math.floor(Math.sqrt((width * maxHeight) / Math.max(1, count)))));
    let cols = Math.max(1, Math.floor(width / cell));
    if (cols >= 32) cols -= cols % 16; // whole 64 KiB pages per row
    cols = Math.min(cols, count);
    const rows = Math.ceil(count / cols);
    canvas.width = cols * cell; canvas.height = rows * cell;
    canvas.dataset.cell = String(cell); canvas.dataset.cols = String(cols); canvas.dataset.count = String(count);
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(canvas.width, canvas.height);
    const pix = new Uint32Array(img.data.buffer);
    const gap = cell >= 5 ? 1 : 0;
    const grid = {
      draw(marks) {
        const W = canvas.width;
        if (cell === 1) {
          for (let i = 0; i < count; i++) pix[i] = colour(i); // one pixel a cell, rows of exactly `cols`
        } else {
          for (let i = 0; i < count; i++) {
            const c = colour(i);
            const x0 = (i % cols) * cell, y0 = Math.floor(i / cols) * cell;
            for (let y = 0; y < cell - gap; y++) { const row = (y0 + y) * W + x0; for (let x = 0; x < cell - gap; x++) pix[row + x] = c; }
          }
        }
        ctx.putImageData(img, 0, 0);
        ctx.lineWidth = Math.max(1, Math.floor(cell / 5));
        for (const [i, style] of marks) {
          if (i < 0 || i >= count) continue;
          ctx.strokeStyle = style;
          const x0 = (i % cols) * cell, y0 = Math.floor(i / cols) * cell, sz = Math.max(cell, 4);
          ctx.strokeRect(x0 + 0.5 - (sz - cell) / 2, y0 + 0.5 - (sz - cell) / 2, sz - 1, sz - 1);
        }
      },
    };
    canvas.addEventListener('mousemove', (ev) => {
      const r = canvas.getBoundingClientRect();
      const x = Math.floor(((ev.clientX - r.left) * canvas.width) / r.width / cell), y = Math.floor(((ev.clientY - r.top) * canvas.height) / r.height / cell);
      const i = y * cols + x;
      canvas.title = i >= 0 && i < count && x < cols ? describe(i) : '';
    });
    return grid;
  }

  const describeFrame = (f) => {
    const o = cur.owner[f];
    if (o === -1) return `frame ${f}: free`;
    if (o === -2) return `frame ${f}: reserved`;
    const g = cur.ownerGpfn[f];
    return `frame ${f}: guest ${o} gpfn ${g}${o < G && g >= 0 && (cur.value[o][g] & 8) ? ' (that gpfn is in the host\'s balloon)' : ''}`;
  };
  const describePage = (g) => (i) => {
    const v = cur.value[g][i], f = cur.p2m[g][i];
    return `guest ${g} gpfn ${i}: ${PAGE_NAMES[v & 7] || `state ${v & 7}`}${v & 8 ? ', in the host\'s balloon' : ''}, ${f < 0 ? 'no frame' : `frame ${f}`}${pageBad(g, i) ? ' (inconsistent)' : ''}`;
  };

  // ---- static layout ----
  const m = D.meta;
  $('title').textContent = `balloon trace: ${m.file}`;
  $('meta').textContent = `${m.family}, impl ${m.impl}, faults ${m.faults.length ? m.faults.join(', ') : 'none'}, ${G} guest${G === 1 ? '' : 's'}, `
    + `${HF} host frames (${m.reservedFrames} reserved), ${m.commands} commands + ${N - m.commands} drain steps${m.seed !== undefined ? `, seed ${m.seed}` : ''}`;
  $('note').textContent = m.note || '';
  $('outcome').textContent = m.outcome;
  const slider = $('slider');
  slider.max = String(Math.max(0, N - 1));
  $('total').textContent = String(N - 1);
  const ticks = $('ticks');
  for (const f of D.failures) {
    const t = el('button', 'tick', '▲');
    t.style.left = `${N > 1 ? (100 * failAt(f)) / (N - 1) : 0}%`;
    t.title = `${f.property} failed at step ${failAt(f)}`;
    t.addEventListener('click', () => go(failAt(f)));
    ticks.appendChild(t);
  }
  if (m.commands < N) {
    const d = el('div', 'drain');
    d.style.left = `${N > 1 ? (100 * m.commands) / (N - 1) : 0}%`;
    d.title = 'fair drain (added by the runner)';
    ticks.appendChild(d);
  }

  const legend = (box, items) => { for (const [c, t] of items) { const s = el('span', 'key'); const sw = el('i'); sw.style.background = c; s.append(sw, t); box.appendChild(s); } };
  legend($('frame-legend'), [...D.meta.guests.map((_, g) => [guestColour(g), `guest ${g}`]), [FRAME_FREE, 'free'], [FRAME_RESERVED, 'reserved'], [FRAME_BALLOONED, 'owned, but its gpfn is ballooned']]);
  const frameGrid = makeGrid($('frames'), HF, 560, 300, frameColour, describeFrame);
  const pageGrids = D.meta.guests.map((g, gi) => {
    const box = el('div', 'guest');
    box.dataset.guest = String(gi);
    const h = el('h3');
    const sw = el('i', 'swatch'); sw.style.background = guestColour(gi);
    h.append(sw, `guest ${gi}: ${g.gpfns} gpfns, ${g.guestPageGpfns === 1 ? '4' : '64'} KiB pages${g.holePages ? `, hole at ${g.holeStart} (${g.holePages})` : ''}${g.floorPages ? `, floor ${g.floorPages}` : ''}`);
    const counts = el('div', 'counts'); counts.id = `counts-${gi}`;
    const canvas = el('canvas'); canvas.id = `pages-${gi}`;
    box.append(h, counts, canvas);
    $('guests').appendChild(box);
    return makeGrid(canvas, g.gpfns, 560, 160, (i) => pageColour(gi, i), describePage(gi));
  });
  legend($('page-legend'), [...PAGE.map((c, i) => [c, PAGE_NAMES[i]]), [BAD, 'inconsistent (frame not its own, or used while ballooned)']]);

  // Charts: nested boxes, parallel regions side by side; each node carries its path for highlighting.
  const chartNodes = D.instances.map((inst) => {
    const drawing = D.charts.find((c) => c.name === inst.chart);
    const box = el('div', 'chart');
    box.dataset.instance = inst.label;
    box.appendChild(el('h3', '', inst.label));
    const byPath = new Map();
    const draw = (n) => {
      const e = el('div', `st ${n.type}`);
      e.dataset.path = n.path;
      e.title = n.events.length ? `${n.path || n.key}\n${n.events.join('\n')}` : n.path || n.key;
      if (n.path) e.appendChild(el('div', 'name', n.key));
      if (n.children.length) { const kids = el('div', 'kids'); for (const c of n.children) kids.appendChild(draw(c)); e.appendChild(kids); }
      byPath.set(n.path, e);
      return e;
    };
    if (drawing) box.appendChild(draw(drawing.root));
    $('charts').appendChild(box);
    return byPath;
  });

  // ---- per-step rendering ----
  function stepMarks(i) {
    const frames = [], pages = D.meta.guests.map(() => []);
    const st = D.steps[i];
    let p = offset[i];
    for (let r = 0; r < st.fr; r++, p += 4) for (let k = 0; k < R[p + 1] && k < 64; k++) frames.push([R[p] + k, '#222']);
    for (let r = 0; r < st.gr; r++, p += 5) for (let k = 0; k < R[p + 2] && k < 64; k++) pages[R[p]].push([R[p + 1] + k, '#222']);
    for (const f of failuresAt(i)) {
      if (f.frame !== undefined) frames.push([f.frame, BAD]);
      if (f.guest !== undefined && f.gpfn !== undefined && pages[f.guest]) pages[f.guest].push([f.gpfn, BAD]);
    }
    return { frames, pages };
  }

  function render() {
    const i = curStep, st = D.steps[i];
    document.body.dataset.step = String(i);
    slider.value = String(i);
    $('step-no').textContent = String(i);
    $('command').textContent = st.c;
    $('result').textContent = st.r;
    $('changes').textContent = st.x;
    $('phase').textContent = st.d ? 'fair drain (added by the runner)' : `workload command ${i + 1} of ${m.commands}`;
    $('host-free').textContent = `host free frames ${st.h}`;
    const fails = failuresAt(i);
    const box = $('step-failure');
    box.replaceChildren();
    box.hidden = fails.length === 0 && !st.f;
    for (const f of fails) {
      box.appendChild(el('div', 'fail-head', `>> ${f.model ? 'model (separate pass): ' : ''}${f.property} failed ${f.step < 0 ? 'at the end of the run (after the fair drain)' : `after this step${f.phase === 'audit' ? ', in a periodic audit' : ''}`}`));
      box.appendChild(el('div', 'fail-msg', f.message));
      if (f.doc) box.appendChild(el('div', 'fail-doc', f.doc));
    }
    if (st.f) {
      box.appendChild(el('div', 'diff-head', 'model and implementation differ:'));
      const ul = el('ul', 'diff');
      for (const d of st.f) ul.appendChild(el('li', '', d));
      box.appendChild(ul);
    }
    document.body.classList.toggle('failing', fails.length > 0);
    const panel = $('panel');
    panel.replaceChildren();
    for (const [k, v] of st.p) { const r = el('div', 'kv'); r.append(el('b', '', k), el('span', '', v)); panel.appendChild(r); }
    D.meta.guests.forEach((_, g) => {
      const s = cur.sum[g];
      $(`counts-${g}`).textContent = `target ${s[0]}, actual ${s[1]}; driver counts: free ${s[2]}, used ${s[3]}, inflating ${s[4]}, ballooned ${s[5]}, deflating ${s[6]}`;
    });
    const marks = stepMarks(i);
    frameGrid.draw(marks.frames);
    pageGrids.forEach((grid, g) => grid.draw(marks.pages[g]));
    st.a.forEach((si, k) => {
      const nodes = chartNodes[k];
      for (const e of nodes.values()) e.classList.remove('on', 'in');
      for (const leaf of D.stateTable[si].split(' ').filter(Boolean)) {
        const parts = leaf.split('.');
        for (let n = 1; n <= parts.length; n++) nodes.get(parts.slice(0, n).join('.'))?.classList.add(n === parts.length ? 'on' : 'in');
      }
    });
    renderLog(i);
  }

  function renderLog(i) {
    const log = $('log');
    log.replaceChildren();
    for (let j = Math.max(0, i - 4); j <= Math.min(N - 1, i + 4); j++) {
      const st = D.steps[j];
      const tr = el('tr', j === i ? 'cur' : '');
      tr.append(el('td', 'mark', failuresAt(j).length ? '>>' : ''), el('td', 'num', String(j)), el('td', '', st.c), el('td', '', st.r), el('td', '', st.x));
      tr.addEventListener('click', () => go(j));
      log.appendChild(tr);
    }
  }

  // ---- navigation: slider, buttons, keyboard, #step=N ----
  function go(n) {
    if (N === 0) return;
    const t = Math.max(0, Math.min(N - 1, Math.floor(Number(n)) || 0));
    const t1 = performance.now();
    seek(t);
    const t2 = performance.now();
    render();
    timing.seekMs = t2 - t1;
    timing.renderMs = performance.now() - t2;
    const hash = `#step=${t}`;
    if (location.hash !== hash) { try { history.replaceState(null, '', hash); } catch { location.hash = hash; } }
  }
  const fromHash = () => { const mm = /step=(\d+)/.exec(location.hash); return mm ? Number(mm[1]) : null; };
  slider.addEventListener('input', () => go(slider.value));
  $('prev').addEventListener('click', () => go(curStep - 1));
  $('next').addEventListener('click', () => go(curStep + 1));
  $('to-fail').disabled = firstFail < 0;
  $('to-fail').addEventListener('click', () => go(firstFail));
  window.addEventListener('hashchange', () => { const h = fromHash(); if (h !== null && h !== curStep) go(h); });
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const moves = { ArrowLeft: curStep - 1, ArrowRight: curStep + 1, ArrowUp: curStep - 10, ArrowDown: curStep + 10, PageUp: curStep - 100, PageDown: curStep + 100, Home: 0, End: N - 1 };
    if (!(ev.key in moves)) return;
    ev.preventDefault();
    go(moves[ev.key]);
  });

  const t0 = performance.now();
  if (N === 0) $('command').textContent = '(no steps ran)';
  else go(fromHash() ?? (firstFail >= 0 ? firstFail : 0));

  /** For tests and benchmarks: read what the page shows at the current step. */
  window.balloonViewer = {
    steps: N,
    keyframeEvery: K,
    failures: D.failures,
    step: () => curStep,
    go,
    frameOwner: (f) => cur.owner[f],
    frameGpfn: (f) => cur.ownerGpfn[f],
    pageState: (g, i) => cur.value[g][i] & 7,
    hostBallooned: (g, i) => (cur.value[g][i] >> 3) & 1,
    p2m: (g, i) => cur.p2m[g][i],
    summary: (g) => cur.sum[g].slice(),
    activeStates: (k) => D.stateTable[D.steps[curStep].a[k]].split(' ').filter(Boolean),
    highlighted: (k) => [...chartNodes[k].values()].filter((e) => e.classList.contains('on')).map((e) => e.dataset.path),
    firstRenderMs: performance.now() - t0,
    timing,
    /** The whole script: decoding, keyframes and the first draw. */
    scriptMs: performance.now() - T0,
    /** When the script started, since navigation began: loading and parsing the file before it. */
    scriptStartMs: T0,
  };
  document.body.dataset.ready = '1';
})();
