/**
 * The viewer's data, without a browser: the per-step deltas rebuild the observation of every
 * step exactly, the failure and the model's divergence are carried over from the replay, and the
 * charts are drawn from the machine itself.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allProperties } from '../../properties/index.ts';
import { conformance } from '../../properties/conformance.ts';
import { factoryForTrace } from '../../traces/index.ts';
import { chartInventory } from '../../model/inventory.ts';
import { guestMachine } from '../../model/virtio/index.ts';
import { chartTree, extractViewerData, type ChartNode, type ViewerData } from '../../viewer/index.ts';
import { observedSteps } from './helpers.ts';
import { familyByName } from '../../properties/families.ts';
import { loadTrace } from '../../traces/load.ts';

/** The page's decoding (viewer/page-script.js applyRuns), redone here to check the encoding. */
function rebuild(data: ViewerData) {
  const R = new Int32Array(Uint8Array.from(Buffer.from(data.deltas, 'base64')).buffer);
  const owner = new Array(data.meta.hostFrames).fill(-1);
  const ownerGpfn = new Array(data.meta.hostFrames).fill(-1);
  const value = data.meta.guests.map((g) => new Array(g.gpfns).fill(0));
  const p2m = data.meta.guests.map((g) => new Array(g.gpfns).fill(-1));
  let p = 0;
  const apply = (fr: number, gr: number) => {
    for (let r = 0; r < fr; r++, p += 4) for (let k = 0; k < R[p + 1]; k++) { owner[R[p] + k] = R[p + 2]; ownerGpfn[R[p] + k] = R[p + 3] < 0 ? R[p + 3] : R[p + 3] + k; }
    for (let r = 0; r < gr; r++, p += 5) for (let k = 0; k < R[p + 2]; k++) { value[R[p]][R[p + 1] + k] = R[p + 3]; p2m[R[p]][R[p + 1] + k] = R[p + 4] < 0 ? R[p + 4] : R[p + 4] + k; }
  };
  apply(data.initial.fr, data.initial.gr);
  return data.steps.map((s) => {
    apply(s.fr, s.gr);
    return { owner: [...owner], ownerGpfn: [...ownerGpfn], value: value.map((v) => [...v]), p2m: p2m.map((v) => [...v]) };
  });
}

const zoo = readdirSync('traces/zoo').filter((f) => f.endsWith('.json')).map((f) => `traces/zoo/${f}`);

describe('viewer data', () => {
  it.each(zoo)('%s: the deltas rebuild every step\'s observation', (file) => {
    const { trace, snaps } = observedSteps(file);
    const { data, result } = extractViewerData(trace, { factory: factoryForTrace(trace, file), properties: allProperties, conformance, file });
    expect(data.steps).toHaveLength(result.result.steps);
    expect(snaps).toHaveLength(data.steps.length);
    rebuild(data).forEach((s, i) => {
      expect(s.owner, `step ${i} owner`).toEqual(snaps[i].owner);
      expect(s.ownerGpfn, `step ${i} ownerGpfn`).toEqual(snaps[i].ownerGpfn);
      expect(s.value, `step ${i} pages`).toEqual(snaps[i].pageState.map((ps, g) => ps.map((v, j) => v | (snaps[i].hostBallooned[g][j] << 3))));
      expect(s.p2m, `step ${i} p2m`).toEqual(snaps[i].p2m);
    });
    // The failure the file expects is the one the page marks.
    expect(data.failures[0]).toMatchObject({ property: trace.expect.verdict === 'fail' ? trace.expect.property : undefined, step: trace.expect.verdict === 'fail' ? trace.expect.step : undefined });
  });

  it('a conformance divergence carries the fields where model and implementation differ', () => {
    const file = 'traces/zoo/unaligned-target.json';
    const { trace } = observedSteps(file);
    const { data } = extractViewerData(trace, { factory: factoryForTrace(trace, file), properties: allProperties, conformance, file });
    const at = data.failures[0].step;
    expect(data.failures[0].property).toBe('conformance');
    expect(data.steps[at].f).toContain('guest 0 deflateq in flight: implementation 1, model 0');
    // Before the divergence model and implementation agree.
    expect(data.steps.slice(0, at).every((s) => s.f === undefined)).toBe(true);
    // The model's states at the failing step are the ones the violation names.
    const named = /in \[([^\]]+)\]/.exec(data.failures[0].message)![1];
    expect(data.stateTable[data.steps[at].a[0]]).toBe(named);
  });

  it('keeps deltas, not snapshots: a step that moves one frame stores one run', () => {
    const file = 'traces/zoo/discard-not-propagated.json';
    const { trace } = observedSteps(file);
    const { data } = extractViewerData(trace, { factory: factoryForTrace(trace, file), properties: allProperties, conformance, file });
    // The allocation maps one frame and the device's release frees one: one run each, none elsewhere.
    expect(data.steps.map((s) => s.fr)).toEqual([0, 1, 0, 0, 0, 1]);
    expect(Buffer.from(data.deltas, 'base64').length / 4).toBe(4 * (data.initial.fr + 2) + 5 * data.steps.reduce((n, s) => n + s.gr, data.initial.gr));
  });

  it('draws the chart from the machine: every state of the inventory, in order', () => {
    const paths: string[] = [];
    const walk = (n: ChartNode) => { if (n.path) paths.push(n.path); n.children.forEach(walk); };
    walk(chartTree('virtio-guest', guestMachine).root);
    expect(paths).toEqual(chartInventory(guestMachine).states);
  });

  it('shared viewer code never names a family: only the hook registry and the family\'s own file do', () => {
    for (const f of readdirSync('viewer').filter((x) => !['virtio.ts', 'family.ts'].includes(x))) {
      expect(readFileSync(`viewer/${f}`, 'utf8'), f).not.toMatch(/virtio/i);
    }
  });
});

/** Every other family is drawn by viewer/generic.ts from its registered charts and conformance monitor. */
const others = readdirSync('traces/corpus').filter((f) => /^(xen|vmware|hyperv|virtualbox)-.*\.json$/.test(f)).map((f) => `traces/corpus/${f}`);

describe('viewer data of the families without a view of their own', () => {
  const extract = (file: string) => {
    const trace = loadTrace(file);
    const family = familyByName(trace.family);
    const conf = family.properties.find((p) => p.name === 'conformance');
    return { trace, family, ...extractViewerData(trace, { factory: factoryForTrace(trace, file), properties: family.properties, conformance: conf, file }) };
  };

  const moved = new Set<string>();

  it('has a corpus trace of each of the four families', () => {
    expect(new Set(others.map((f) => loadTrace(f).family))).toEqual(new Set(['xen', 'vmware', 'hyperv', 'virtualbox']));
  });

  it.each(others)('%s: one copy of each chart per guest, in states the drawing has, moving with the run', (file) => {
    const { trace, family, data, result } = extract(file);
    const names = Object.keys(family.charts);
    expect(data.charts.map((c) => c.name)).toEqual(names);
    expect(data.instances.map((i) => `${i.guest}:${i.chart}`).sort()).toEqual(trace.config.guests.flatMap((_, g) => names.map((n) => `${g}:${n}`)).sort());
    expect(data.steps).toHaveLength(result.result.steps);
    // Every highlighted state is a state of its chart's drawing.
    const drawn = new Map(data.charts.map((c) => {
      const paths = new Set<string>();
      const walk = (n: ChartNode) => { if (n.path) paths.add(n.path); n.children.forEach(walk); };
      walk(c.root);
      return [c.name, paths];
    }));
    const shown = [data.initial.a, ...data.steps.map((s) => s.a)];
    for (const a of shown) {
      expect(a).toHaveLength(data.instances.length);
      a.forEach((k, i) => { for (const leaf of data.stateTable[k].split(' ')) expect(drawn.get(data.instances[i].chart)!.has(leaf), `${data.instances[i].label}: ${leaf}`).toBe(true); });
    }
    if (shown.some((a) => a.some((k, i) => k !== data.initial.a[i]))) moved.add(trace.family);
    // The family's own properties are the ones replayed (not virtio's).
    expect(data.meta.properties).toEqual(result.ran);
    expect(result.ran.every((n) => family.properties.some((p) => p.name === n))).toBe(true);
  });

  it('the charts move with the run: in each family some trace takes a copy out of its first state', () => {
    expect(moved).toEqual(new Set(['xen', 'vmware', 'hyperv', 'virtualbox']));
  });

  it('a divergence shows at the step conformance refused, and not before', () => {
    const { data } = extract('traces/corpus/hyperv-fault-unballoon-truncated-hv-counters-match.json');
    const model = data.failures.find((f) => f.model)!;
    expect(model.property).toBe('conformance');
    const at = model.step;
    expect(data.steps[at].f?.[0]).toBe(model.message);
    expect(data.steps[at].p).toContainEqual([expect.stringMatching(/^g\d+ model$/), `refused: ${model.message}`]);
    expect(data.steps.slice(0, at).every((s) => s.f === undefined)).toBe(true);
  });
});
