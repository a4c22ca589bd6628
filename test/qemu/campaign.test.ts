// A short real campaign (one VM, a few cases) and a replay of a saved trace on a fresh VM.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatQemuReport, replayQemuTrace, runQemuCampaign } from '../../qemu/campaign.ts';
import { trackedPids } from '../../qemu/cleanup.ts';
import { runCase } from '../../qemu/runner.ts';
import { makeTrace } from '../../qemu/trace.ts';
import { VmSession } from '../../qemu/session.ts';
import { qemuReady } from './guard.ts';

describe.skipIf(!qemuReady)('qemu campaign (real guest)', () => {
  const out = mkdtempSync(join(tmpdir(), 'qemu-campaign-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs 3 cases on one VM, reports every property, leaves no VM', async () => {
    const progress: number[] = [];
    const r = await runQemuCampaign({ runs: 3, seed: 1, deflateOnOom: false, outDir: out, onProgress: (d) => progress.push(d) });
    const text = formatQemuReport(r);
    expect(text).toContain('seed=1 runs=3');
    expect(r.properties.map((p) => p.name)).toContain('vmstat-matches-actual');
    // The device trace was recorded: QEMU polls stats every second, so the statsq moved, and the
    // host-trace properties made checks on it.
    expect(r.devicePops[2]).toBeGreaterThan(0);
    expect(r.properties.find((p) => p.name === 'stats-reposted')?.checks).toBeGreaterThan(0);
    expect(text).toMatch(/device trace: buffers popped: .*statsq \d+/);
    expect(text).toContain('not observable on QEMU + Linux');
    expect(progress.at(-1)).toBe(3);
    if (!r.passed) expect(readdirSync(out).length).toBe(1); // a failure leaves its trace
    expect(trackedPids()).toEqual([]);
  }, 180_000);

  it('replays a saved trace on a fresh VM', async () => {
    const steps = [{ op: 'target', mib: 256, wait: true }, { op: 'unload' }, { op: 'load' }] as const;
    const session = new VmSession({ hardLimitMs: 60_000 });
    let trace;
    try {
      const { vm, base } = await session.acquire();
      const record = await runCase(vm, { steps: [...steps] }, base);
      trace = makeTrace({ property: 'unload-deflates-all', seed: 0, path: '0', kernel: 'k', qemu: 'q', steps: [...steps], record, violations: [] });
    } finally {
      await session.close();
    }
    const replay = await replayQemuTrace(JSON.parse(JSON.stringify(trace)));
    expect(replay.violations).toEqual([]);
    expect(replay.reproduced).toBe(false);
    expect(replay.record.steps.map((s) => s.step.op)).toEqual(['target', 'unload', 'load']);
    expect(trackedPids()).toEqual([]);
  }, 120_000);
});
