// The replay report is read by people and pasted into bug reports: its text is pinned.
import { describe, expect, it } from 'vitest';
import { guestId, type Command } from '../../core/virtio/index.ts';
import { createReferenceSystem } from '../../impl/virtio/index.ts';
import { allProperties } from '../../properties/index.ts';
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
