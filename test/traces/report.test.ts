// The replay report is read by people and pasted into bug reports: its text is pinned.
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { guestId, type Command } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
import { loadTrace } from '../../traces/load.ts';
import { replayTrace } from '../../traces/replay.ts';
import { formatReplayReport, formatSnippet, formatStepTable } from '../../traces/report.ts';
import { leakyFactory } from './fixtures/leaky-impl.ts';
import { SMALL_COMMANDS, smallTrace } from './helpers.ts';

const file = 'traces/failures/frames-conserved-0123456789ab.json';

describe('formatReplayReport', () => {
  it('prints a passing trace: header, table of the steps that did something, verdict', () => {
    const r = replayTrace(smallTrace(), { factory: createReferenceSystem, properties: allProperties, file: 'traces/corpus/small.json' });
    expect(formatReplayReport(r, allProperties)).toMatchSnapshot();
  });

  it('prints a failing trace with the failing step marked, the violation and a program', () => {
    const t = smallTrace({ seed: 42, path: '3:1', expect: { verdict: 'fail', property: 'frames-conserved', step: 4, message: '' } });
    const r = replayTrace(t, { factory: leakyFactory(4), properties: allProperties, file });
    const text = formatReplayReport(r, allProperties);
    expect(text).toMatchSnapshot();
    expect(text).toMatch(/^>> +4 +alloc g1 4 pick=3/m);
    expect(text).toContain('verdict: reproduced: frames-conserved failed at step 4, as the file expects');
  });

  it('keeps a 100-step table to a screenful unless verbose', () => {
    const g = guestId;
    const commands: Command[] = [...SMALL_COMMANDS];
    for (let i = 0; commands.length < 100; i++) commands.push({ kind: 'device', guest: g(i % 2), queue: 'deflate' }, { kind: 'driver', guest: g(1) });
    const t = smallTrace({ commands });
    const quiet = formatStepTable(replayTrace(t, { factory: createReferenceSystem, properties: allProperties }));
    const loud = formatStepTable(replayTrace(t, { factory: createReferenceSystem, properties: allProperties, verbose: true }));
    expect(quiet.split('\n').length).toBeLessThan(40);
    expect(quiet).toMatch(/· \d+ quiet steps/);
    expect(loud.split('\n').length).toBeGreaterThan(100);
  });
});

describe('formatSnippet', () => {
  it('is a program that reproduces the run through the library', () => {
    const s = formatSnippet(smallTrace({ commands: SMALL_COMMANDS.slice(0, 3) }));
    expect(s).toMatchSnapshot();
    expect(s).toContain("{ kind: 'device', guest: guestId(0), queue: 'inflate' },");
  });

  it('applies the trace faults through referenceWithFaults', () => {
    const s = formatSnippet(smallTrace({ source: { kind: 'reference', faults: ['double-inflate'] } }));
    expect(s).toContain("import { referenceWithFaults } from 'balloon-testbed';");
    expect(s).toContain('runCase(referenceWithFaults(["double-inflate"]), config, commands, properties)');
  });
});

describe('formatSnippet of another family than virtio', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  it.each([
    'traces/corpus/xen-cancelled-above-target.json',
    'traces/corpus/vmware-fault-reset-keeps-locked.json',
    'traces/corpus/hyperv-fault-unballoon-truncated-hv-counters-match.json',
  ])('%s: a program in its family\'s words that reproduces the file', async (trace) => {
    const t = loadTrace(trace);
    const s = formatSnippet(t);
    expect(s).toContain(`const family = familyByName("${t.family}");`);
    expect(s).toContain(`propertiesByName(${JSON.stringify(t.properties)}, family.properties)`);
    expect(s).not.toMatch(/referenceWithFaults|createReferenceSystem|SystemConfig/);
    const faults = t.source.kind === 'reference' ? t.source.faults : [];
    expect(s).toContain(`runCase(${faults.length ? `family.withFaults(${JSON.stringify(faults)})` : 'family.reference'}, config as never, commands as never, properties)`);
    // Run it, against this checkout instead of the installed package (*.tmp.ts is git-ignored).
    const program = join(ROOT, 'test/traces', `snippet-${t.family}.tmp.ts`);
    writeFileSync(program, s.replaceAll("'balloon-testbed'", JSON.stringify(join(ROOT, 'index.ts'))));
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(pathToFileURL(program).href);
      const printed = log.mock.calls[0]?.[0] as { property?: string; step?: number } | string;
      if (t.expect.verdict === 'pass') expect(printed).toBe('every property held');
      else expect(printed).toMatchObject({ property: t.expect.property, step: t.expect.step });
    } finally {
      log.mockRestore();
      rmSync(program, { force: true });
    }
  });
});
