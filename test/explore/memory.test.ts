// `balloon explore` when memory runs low (properties/exhaustive.ts `memoryLow`, cli/heap.ts
// heapLow): every state left to expand keeps a copy of its case, so a large --max-states used to
// end in V8's "heap out of memory" abort (exit 134, a native stack trace, after tens of seconds of
// collections). The search now stops as at the state limit, says why, and keeps what it found:
// in the search itself (a stub says when memory is low), and end to end in a Node process given
// a 64 MB heap, on one thread and on two workers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exploreImplementation, MEMORY_POLL } from '../../properties/exhaustive.ts';
import { familyByName } from '../../properties/families.ts';

const out = mkdtempSync(join(tmpdir(), 'balloon-memory-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the search asks whether memory is low', () => {
  const f = familyByName('virtio');
  const config = f.explorer!.config(2, 8);
  it('and stops at the state it was told, not exhaustive, with what it found', () => {
    let asked = 0;
    const r = exploreImplementation(f, f.reference, config, { depth: 12, maxStates: 100_000, memoryLow: () => ++asked === 3 });
    expect(asked).toBe(3);
    expect(r).toMatchObject({ stoppedBy: 'memory', exhaustive: false, failure: null, states: 3 * MEMORY_POLL });
    expect(r.perDepth.reduce((a, b) => a + b, 0)).toBe(r.states);
  });
  it('and a search it never stops is the search without it', () => {
    let asked = 0;
    const r = exploreImplementation(f, f.reference, config, { depth: 3, maxStates: 100_000, memoryLow: () => { asked++; return false; } });
    const plain = exploreImplementation(f, f.reference, config, { depth: 3, maxStates: 100_000 });
    expect(asked).toBe(Math.floor(r.states / MEMORY_POLL));
    expect(asked).toBeGreaterThan(0);
    expect({ ...r }).toEqual({ ...plain });
  });
});

describe('balloon explore in a 64 MB heap', () => {
  const run = (extra: string[]) => JSON.parse(execFileSync(process.execPath, [
    '--max-old-space-size=64', '--import', 'tsx', 'cli/main.ts', 'explore', '--family', 'virtio', '--guests', '2', '--pages', '8',
    '--depth', '12', '--max-states', '1000000', '--out', out, '--json', ...extra,
  ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as { ok: boolean; stoppedBy: string; exhaustive: boolean; states: number; depthReached: number };
  it.each([[[] as string[]], [['--workers', '2']]])('%j: stops when the heap is low, exit 0, nothing saved', (extra) => {
    // execFileSync throws on a non-zero exit (the abort was 134): reaching the checks means 0.
    const r = run(extra);
    expect(r).toMatchObject({ ok: true, stoppedBy: 'memory', exhaustive: false });
    // It searched before it stopped: more than the states of the first levels.
    expect(r.states).toBeGreaterThan(100);
    expect(readdirSync(out)).toEqual([]);
  }, 240_000);
});
