// No QEMU outlives the harness: after a normal stop, after the hard time limit, after an
// exception mid-case (in process and as an uncaught crash of the Node process), and on SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackedPids } from '../../qemu/cleanup.ts';
import { VmSession } from '../../qemu/session.ts';
import { Vm } from '../../qemu/vm.ts';
import { pidAlive, qemuPidsMatching, qemuReady } from './guard.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs fixtures/orphan-child.ts, waits for its "VM <pid> <dir>" line, returns both. */
function startChild(mode: 'throw' | 'wait'): Promise<{ pid: number; dir: string; child: ReturnType<typeof spawn> }> {
  // Node itself with tsx's loader (not npx/tsx wrappers), so a signal reaches the process whose
  // handlers are under test.
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'orphan-child.ts'), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /VM (\d+) (\S+)/.exec(out);
      if (m) resolve({ pid: Number(m[1]), dir: m[2] as string, child });
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting a VM: ${out}`)));
  });
}

async function expectGone(pid: number, dir: string): Promise<void> {
  for (let i = 0; i < 50 && pidAlive(pid); i++) await sleep(100);
  expect(pidAlive(pid)).toBe(false);
  expect(qemuPidsMatching(dir)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
}

describe.skipIf(!qemuReady)('qemu cleanup (no VM left behind)', () => {
  it('after a normal stop', async () => {
    const vm = await Vm.start({ hardLimitMs: 60_000 });
    expect(qemuPidsMatching(vm.tmpDir)).toEqual([vm.pid]);
    await vm.stop();
    await expectGone(vm.pid, vm.tmpDir);
    expect(trackedPids()).not.toContain(vm.pid);
  });

  it('when the hard time limit fires', async () => {
    const vm = await Vm.start({ hardLimitMs: 5_000 });
    const exit = await vm.exitStatus(10_000);
    expect(exit?.cause).toBe('hard-limit');
    expect(pidAlive(vm.pid)).toBe(false);
    await vm.stop(); // still removes the temp dir
    await expectGone(vm.pid, vm.tmpDir);
  });

  it('when a case throws mid-way (session closed in finally)', async () => {
    const session = new VmSession({ hardLimitMs: 60_000 });
    let seen: Vm | null = null;
    await expect((async () => {
      try {
        const { vm } = await session.acquire();
        seen = vm;
        await vm.channel.run('hold 16');
        throw new Error('boom mid-case');
      } finally {
        await session.close();
      }
    })()).rejects.toThrow('boom mid-case');
    const vm = seen as unknown as Vm;
    await expectGone(vm.pid, vm.tmpDir);
  });

  it('when the Node process crashes with an uncaught exception', async () => {
    const { pid, dir, child } = await startChild('throw');
    await new Promise((r) => child.once('exit', r));
    await expectGone(pid, dir);
  });

  it('when the Node process gets SIGTERM', async () => {
    const { pid, dir, child } = await startChild('wait');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await expectGone(pid, dir);
  });
});
