// Boots the real guest once and checks the harness end to end: QMP, the command channel, the
// vmstat relation the campaign relies on, and the QEMU facts FINDINGS.md records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle, snapshot } from '../../qemu/observe.ts';
import { MiB } from '../../qemu/steps.ts';
import { Vm } from '../../qemu/vm.ts';
import { qemuReady } from './guard.ts';

describe.skipIf(!qemuReady)('qemu harness (real QEMU/TCG guest)', () => {
  let vm: Vm;
  beforeAll(async () => { vm = await Vm.start({ hardLimitMs: 120_000 }); });
  afterAll(async () => { await vm?.stop(); });

  it('runs shell lines on the command channel with their exit status', async () => {
    expect(await vm.channel.run('echo hello; false')).toMatchObject({ kind: 'ok', output: 'hello\n', rc: 1 });
  });

  it('recovers the channel after a command times out', async () => {
    expect((await vm.channel.run('sleep 3', 500)).kind).toBe('timeout');
    expect(await vm.channel.run('echo back', 10_000)).toMatchObject({ kind: 'ok', output: 'back\n', rc: 0 });
  });

  it('inflates to a target and the guest vmstat agrees with actual', async () => {
    expect((await vm.qmp.balloon(256 * MiB)).ok).toBe(true);
    const s = await settle(vm, 256 * MiB);
    expect(s.end).toBe('reached');
    const snap = await snapshot(vm);
    expect(snap?.stable).toBe(true);
    expect((snap?.balloonInflate ?? 0) - (snap?.balloonDeflate ?? 0)).toBe((vm.ramBytes - 256 * MiB) / 4096);
    expect((await vm.qmp.balloon(vm.ramBytes)).ok).toBe(true);
    expect((await settle(vm, vm.ramBytes)).end).toBe('reached');
  });

  it('refuses target 0 as a typed QMP error, not an exception', async () => {
    const r = await vm.qmp.balloon(0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe('qmp-error');
  });

  it('QEMU does not offer VIRTIO_BALLOON_F_MUST_TELL_HOST (feature bit 0)', async () => {
    const r = await vm.channel.run('for d in /sys/bus/virtio/devices/*; do [ "$(cat $d/device)" = 0x0005 ] && cat $d/features; done');
    expect(r.kind).toBe('ok');
    if (r.kind === 'ok') {
      expect(r.output.trim()).toMatch(/^[01]{64}$/);
      expect(r.output[0]).toBe('0'); // MUST_TELL_HOST
      expect(r.output[1]).toBe('1'); // STATS_VQ
    }
  });

  it('reports guest stats once polling is on', async () => {
    expect((await vm.qmp.setStatsInterval(1)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 2_500));
    const st = await vm.qmp.guestStats();
    expect(st.ok && st.value.stats['stat-total-memory']).toBeGreaterThan(0);
  });
});
