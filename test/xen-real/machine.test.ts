// Real Xen machines (run by `npm run test:xen`): no QEMU or temp folder outlives a stop, the hard
// time limit, an uncaught exception or a signal; and a deliberately broken projection makes the
// campaign report a failure with a shrunk trace that `replay` runs on a fresh machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedPids } from '../../qemu/cleanup.ts';
import { replayXenTrace, runXenCampaign } from '../../qemu/xen/campaign.ts';
import { loadXenTrace } from '../../qemu/xen/trace.ts';
import { XenVm } from '../../qemu/xen/vm.ts';
import { pidAlive, qemuPidsMatching, xenReady } from './guard.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function expectGone(pid: number, dir: string): Promise<void> {
  for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
  expect(pidAlive(pid)).toBe(false);
  expect(qemuPidsMatching(dir)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
}

function startChild(mode: 'throw' | 'wait'): Promise<{ pid: number; dir: string; child: ReturnType<typeof spawn> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'orphan-child.ts'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /VM (\d+) (\S+)/.exec(out);
      if (m) resolve({ pid: Number(m[1]), dir: m[2] as string, child });
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting a machine: ${out}`)));
  });
}

describe.skipIf(!xenReady)('real Xen: no machine left behind', () => {
  it('after a normal stop, with dom0 answering on its channel first', async () => {
    const vm = await XenVm.start({ hardLimitMs: 180_000 });
    expect(qemuPidsMatching(vm.tmpDir)).toEqual([vm.pid]);
    const r = await vm.channel.run('xstat');
    expect(r.kind === 'ok' && /^XSTAT \d+ \d+/m.test(r.output)).toBe(true);
    await vm.stop();
    await expectGone(vm.pid, vm.tmpDir);
    expect(trackedPids()).not.toContain(vm.pid);
  }, 240_000);

  it('when the hard time limit fires mid-boot', async () => {
    await expect(XenVm.start({ hardLimitMs: 3_000 })).rejects.toThrow(/exited|did not reach/);
    expect(trackedPids()).toEqual([]);
  }, 60_000);

  it('when the Node process gets SIGINT (Ctrl-C)', async () => {
    const { pid, dir, child } = await startChild('wait');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
    await expectGone(pid, dir);
  }, 240_000);

  it('when the Node process crashes with an uncaught exception', async () => {
    const { pid, dir, child } = await startChild('throw');
    await new Promise((r) => child.once('exit', r));
    await expectGone(pid, dir);
  }, 240_000);
});

describe.skipIf(!xenReady)('real Xen: a broken projection is reported', () => {
  it('fails with a shrunk trace that replays on a fresh machine', async () => {
    const out = mkdtempSync(join(tmpdir(), 'balloon-xen-test-'));
    try {
      const sabotage = { batchOffByOne: true };
      const r = await runXenCampaign({ runs: 2, seed: 3, domu: false, outDir: out, maxSteps: 3, shrinkBudgetMs: 30_000, check: { sabotage } });
      expect(r.passed).toBe(false);
      expect(r.failure?.property).toBe('xen-real-conformance');
      const files = readdirSync(out);
      expect(files).toHaveLength(1);
      const t = loadXenTrace(join(out, files[0] as string));
      expect(t.source.kind).toBe('xen-real');
      expect(t.steps.length).toBeGreaterThan(0);
      // The real system is fine: with the same broken projection the failure comes back on a
      // fresh machine; the true projection holds.
      const again = await replayXenTrace(t, { sabotage });
      expect(again.record.guest).toBe('alive');
      expect(again.reproduced).toBe(true);
      expect(again.bootMs).toBeGreaterThan(0);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    expect(trackedPids()).toEqual([]);
  }, 540_000);
});
