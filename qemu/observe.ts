// Reading the balloon's state from both sides: `actual` through QMP, the guest's own counters
// through `bstat` on the command channel. All functions return values; a dead or hung guest
// comes back as `null` / a 'lost' result and the caller records it.
import type { Vm } from './vm.ts';

/** What the guest says about its memory, plus QEMU's `actual` read before and after it. */
export interface Snapshot {
  readonly actual: number; // bytes, as query-balloon reports it (RAM minus balloon)
  /** query-balloon gave the same `actual` right before and right after the guest read, so
   * the guest's counters and `actual` describe one moment (the driver was not mid-batch). */
  readonly stable: boolean;
  readonly memTotalKiB: number;
  readonly memFreeKiB: number;
  readonly balloonInflate: number; // /proc/vmstat, pages
  readonly balloonDeflate: number;
  readonly driverLoaded: boolean;
}

export type SettleEnd = 'reached' | 'stalled' | 'timeout' | 'lost';

export interface Settle {
  readonly end: SettleEnd;
  /** Every `actual` polled, in order, bytes. */
  readonly samples: number[];
  readonly ms: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `actual` until it equals `goal`, or has not changed for `stallMs`, or `timeoutMs`. */
export async function settle(vm: Vm, goal: number, opts: { stallMs?: number; timeoutMs?: number } = {}): Promise<Settle> {
  const stallMs = opts.stallMs ?? 1_500;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const t0 = Date.now();
  const samples: number[] = [];
  let lastChange = t0;
  for (;;) {
    const r = await vm.qmp.queryBalloon(3_000);
    const now = Date.now();
    if (!r.ok) return { end: 'lost', samples, ms: now - t0 };
    if (samples.length === 0 || samples[samples.length - 1] !== r.value) lastChange = now;
    samples.push(r.value);
    if (r.value === goal) return { end: 'reached', samples, ms: now - t0 };
    if (now - lastChange >= stallMs) return { end: 'stalled', samples, ms: now - t0 };
    if (now - t0 >= timeoutMs) return { end: 'timeout', samples, ms: now - t0 };
    // 50 ms: `actual` moves in 15-40 MiB steps every ~50 ms under TCG; finer adds nothing.
    await sleep(50);
  }
}

const BSTAT = /BSTAT (\d+) (\d+) (\d+) (\d+) ([01])/;

/** One consistent reading: actual, guest counters, actual again. Null if the guest or QEMU is gone. */
export async function snapshot(vm: Vm, timeoutMs = 10_000): Promise<Snapshot | null> {
  const a1 = await vm.qmp.queryBalloon(3_000);
  if (!a1.ok) return null;
  const r = await vm.channel.run('bstat', timeoutMs);
  if (r.kind !== 'ok') return null;
  const m = BSTAT.exec(r.output);
  if (m === null) return null;
  const a2 = await vm.qmp.queryBalloon(3_000);
  if (!a2.ok) return null;
  return {
    actual: a2.value,
    stable: a1.value === a2.value,
    memTotalKiB: Number(m[1]),
    memFreeKiB: Number(m[2]),
    balloonInflate: Number(m[3]),
    balloonDeflate: Number(m[4]),
    driverLoaded: m[5] === '1',
  };
}
