// Runs one case on a live VM and records what happened: the steps are the input, the record is
// the truth the properties read. Nothing here judges; a dead or hung guest ends the case early
// and is recorded with the console's tail.
import { MiB, type QemuCase, type Step } from './steps.ts';
import { settle, snapshot, type Settle, type Snapshot } from './observe.ts';
import type { ChannelResult } from './channel.ts';
import type { DeviceEvent } from './hostlog.ts';
import type { QmpFailure } from './qmp.ts';
import type { Vm } from './vm.ts';

export type GuestState = 'alive' | 'dead' | 'hung';

export interface StepRecord {
  readonly index: number;
  readonly step: Step;
  /** The host's target after this step (bytes, clamped to RAM as QEMU does), and before it. */
  readonly targetBefore: number;
  readonly targetAfter: number;
  /** Set for `target` steps: QEMU's answer to `balloon`. */
  readonly qmpError?: QmpFailure;
  /** Set for guest steps: the shell's rc (137: killed, e.g. by the OOM killer). */
  readonly rc?: number;
  readonly output?: string;
  readonly settle?: Settle;
  readonly snapshot?: Snapshot;
  /** What QEMU's device did during this step, from its own trace (qemu/hostlog.ts). */
  readonly device?: DeviceEvent[];
  readonly guest: GuestState;
  readonly ms: number;
}

export interface CaseRecord {
  readonly ramBytes: number;
  readonly deflateOnOom: boolean;
  /** MemTotal with an empty balloon, read at reset: the base MemTotal is compared with. */
  readonly baseMemTotalKiB: number;
  /** `actual` when the case started (RAM after a good reset). */
  readonly startActual: number;
  /** The guest's vmstat balloon counters at the reset, when that snapshot was stable: the base
   * the first step's counters are compared with (statechart-conformance). Absent in older traces. */
  readonly startCounters?: { readonly inflate: number; readonly deflate: number };
  /** The variant the VM ran (qemu/variants.ts); absent in older traces (plain or deflate-on-oom). */
  readonly variant?: string;
  /** The balloon's negotiated feature bits as the guest's sysfs shows them ('0100...', bit 0 first). */
  readonly features?: string;
  /** Set when QEMU's trace was recorded: the device held a stats buffer when the case started. */
  readonly deviceStart?: { readonly statsHeld: boolean };
  readonly steps: StepRecord[];
  readonly guest: GuestState;
  readonly consoleTail: string;
  /** The console lines that say why (panic, OOM kill, out of puff), last few; any guest state. */
  readonly consoleHighlights: string[];
  readonly ms: number;
}

const NOTABLE = /Kernel panic|deadlocked on memory|Out of memory|Out of puff|oom-kill|BUG:|Oops/;

export type ResetResult = { readonly ok: true; readonly base: Snapshot; readonly features?: string } | { readonly ok: false; readonly why: string };

/** The balloon device's (virtio id 5) negotiated features, as a '0101...' string; null if absent. */
const FEATURES_CMD = 'for d in /sys/bus/virtio/devices/*; do [ "$(cat $d/device)" = 0x0005 ] && echo "FEAT $(cat $d/features)"; done; true';

/** Brings the VM back to a known state between cases: driver loaded, workloads freed, target =
 * RAM, actual = RAM. Cheaper than a reboot by a factor of ten under TCG. */
export async function resetVm(vm: Vm): Promise<ResetResult> {
  const r = await vm.channel.run('release; grep -q "^virtio_balloon " /proc/modules || insmod /lib/modules/virtio_balloon.ko', 20_000);
  if (r.kind !== 'ok') return { ok: false, why: `guest channel: ${r.kind}` };
  const b = await vm.qmp.balloon(vm.ramBytes);
  if (!b.ok) return { ok: false, why: `balloon(ram): ${JSON.stringify(b.error)}` };
  const s = await settle(vm, vm.ramBytes, { stallMs: 5_000, timeoutMs: 20_000 });
  if (s.end !== 'reached') return { ok: false, why: `actual did not return to RAM (${s.end})` };
  const snap = await snapshot(vm);
  if (snap === null) return { ok: false, why: 'no snapshot after reset' };
  const f = await vm.channel.run(FEATURES_CMD, 10_000);
  const feat = f.kind === 'ok' ? /FEAT ([01]+)/.exec(f.output)?.[1] : undefined;
  // The device's doings during the reset are not the case's: drop them (the reader keeps its state).
  vm.hostTrace?.drain();
  return { ok: true, base: snap, ...(feat !== undefined ? { features: feat } : {}) };
}

const WORK_TIMEOUT_MS = 30_000;

function guestCommand(step: Step, index: number): string | null {
  switch (step.op) {
    case 'anon': return `hold ${step.mib}`;
    case 'tmpfs': return `work dd if=/dev/zero of=/tmp/w.${index} bs=1M count=${step.mib} 2>/dev/null`;
    case 'pressure': return `work dd if=/dev/zero of=/dev/null bs=${step.mib}M count=1 2>/dev/null`;
    case 'free': return 'release';
    case 'unload': return 'rmmod virtio_balloon';
    case 'load': return 'insmod /lib/modules/virtio_balloon.ko';
    default: return null;
  }
}

function stateOf(r: ChannelResult, vm: Vm): GuestState {
  if (r.kind === 'ok') return 'alive';
  return vm.alive && r.kind === 'timeout' ? 'hung' : 'dead';
}

/** Runs `c` on `vm` (which must have just been reset; `base` is that reset's snapshot). */
export async function runCase(vm: Vm, c: QemuCase, base: Snapshot, meta: { variant?: string; features?: string } = {}): Promise<CaseRecord> {
  const t0 = Date.now();
  const deviceStart = vm.hostTrace === null ? undefined : { statsHeld: vm.hostTrace.statsHeld };
  const ram = vm.ramBytes;
  let target = ram;
  let driverLoaded = base.driverLoaded;
  const steps: StepRecord[] = [];
  let guest: GuestState = 'alive';
  for (const [index, step] of c.steps.entries()) {
    const ts = Date.now();
    const targetBefore = target;
    let rec: Omit<StepRecord, 'ms'>;
    if (step.op === 'target') {
      const b = await vm.qmp.balloon(step.mib * MiB);
      if (b.ok) target = Math.min(step.mib * MiB, ram);
      else if (b.error.kind !== 'qmp-error') guest = vm.alive ? 'hung' : 'dead';
      const goal = driverLoaded ? target : ram;
      // A mid-flight target at the very end is still observed, or its effect would go unchecked.
      const wait = step.wait || index === c.steps.length - 1;
      // Without the driver nothing moves: a short stall window is enough to see that.
      const st = wait && guest === 'alive' ? await settle(vm, goal, { stallMs: driverLoaded ? 1_500 : 600 }) : undefined;
      if (st?.end === 'lost') guest = vm.alive ? 'hung' : 'dead';
      const snap = wait && guest === 'alive' ? await snapshot(vm) : undefined;
      rec = { index, step, targetBefore, targetAfter: target, guest, ...(b.ok ? {} : { qmpError: b.error }), ...(st ? { settle: st } : {}), ...(snap ? { snapshot: snap } : {}) };
    } else {
      const cmd = guestCommand(step, index) as string;
      const r = await vm.channel.run(cmd, WORK_TIMEOUT_MS);
      guest = stateOf(r, vm);
      if (r.kind === 'ok' && step.op === 'unload' && r.rc === 0) driverLoaded = false;
      if (r.kind === 'ok' && step.op === 'load' && r.rc === 0) driverLoaded = true;
      // After a workload, `actual` may still move (deflate-on-oom, or an inflate that was out of
      // puff and now finds memory); after load/unload it moves toward the new goal.
      const goal = driverLoaded ? target : ram;
      const st = guest === 'alive' ? await settle(vm, goal, { stallMs: 800 }) : undefined;
      if (st?.end === 'lost') guest = vm.alive ? 'hung' : 'dead';
      const snap = guest === 'alive' ? await snapshot(vm) : undefined;
      rec = {
        index, step, targetBefore, targetAfter: target, guest,
        ...(r.kind === 'ok' ? { rc: r.rc, output: r.output.slice(-300) } : { output: (r.kind === 'dead' ? r.reason : 'timeout') }),
        ...(st ? { settle: st } : {}), ...(snap ? { snapshot: snap } : {}),
      };
    }
    const device = vm.hostTrace?.drain();
    steps.push({ ...rec, ...(device !== undefined ? { device } : {}), ms: Date.now() - ts });
    if (guest !== 'alive') break;
    if (rec.snapshot === undefined && (step.op !== 'target' || step.wait || index === c.steps.length - 1)) {
      // A snapshot failed although the channel answered before: treat as hung.
      guest = vm.alive ? 'hung' : 'dead';
      break;
    }
  }
  if (guest === 'alive' && !vm.alive) guest = 'dead';
  // A panicking kernel takes a moment to finish its report and make QEMU exit (panic=-1 with
  // -no-reboot): wait for that before telling a dead guest from a hung one.
  if (guest !== 'alive') {
    await vm.exitStatus(2_000);
    if (!vm.alive) guest = 'dead';
  }
  return {
    ramBytes: ram, deflateOnOom: vm.deflateOnOom, baseMemTotalKiB: base.memTotalKiB, startActual: base.actual,
    ...(meta.variant !== undefined ? { variant: meta.variant } : {}), ...(meta.features !== undefined ? { features: meta.features } : {}),
    ...(deviceStart !== undefined ? { deviceStart } : {}),
    ...(base.stable ? { startCounters: { inflate: base.balloonInflate, deflate: base.balloonDeflate } } : {}),
    steps, guest, consoleTail: guest === 'alive' ? '' : vm.consoleTail(25),
    consoleHighlights: vm.consoleTail(400).split('\n').filter((l) => NOTABLE.test(l)).slice(-6),
    ms: Date.now() - t0,
  };
}
