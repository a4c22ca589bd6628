// Runs one case on a live Xen machine and records what happened: the steps are the input, the
// record is the truth the properties read. Nothing here judges; a dead or hung dom0 ends the case
// early and is recorded with the console's tail.
import type { ChannelResult } from '../channel.ts';
import { settle, snapshot, statOf, type Settle, type XenSnapshot } from './observe.ts';
import { DOMU_MIB, formatXenStep, isTarget, type Domain, type XenCase, type XenStep } from './steps.ts';
import { DOM0_MIB, type XenVm } from './vm.ts';

export type GuestState = 'alive' | 'dead' | 'hung';

export interface XenStepRecord {
  readonly index: number;
  readonly step: XenStep;
  /** The shell's rc for the step's command (xl's refusal is rc 1), and the tail of its output. */
  readonly rc?: number;
  readonly output?: string;
  /** Target steps: the wait for the domain's balloon to finish. */
  readonly settle?: Settle;
  /** Read after the step (and its wait). */
  readonly snapshot?: XenSnapshot;
  readonly guest: GuestState;
  readonly ms: number;
}

export interface XenCaseRecord {
  readonly domu: boolean;
  /** Read after the reset that began the case: every balloon at its domain's start size. */
  readonly base: XenSnapshot;
  readonly steps: XenStepRecord[];
  readonly guest: GuestState;
  readonly consoleTail: string;
  /** Console lines naming a panic, an OOM kill or a crash, the last few. */
  readonly consoleHighlights: string[];
  readonly ms: number;
}

const NOTABLE = /Kernel panic|deadlocked on memory|Out of memory|oom-kill|Killed process|BUG:|Oops|crashed|Dom0 crashed/;

export type ResetResult = { readonly ok: true; readonly base: XenSnapshot } | { readonly ok: false; readonly why: string };

/** Back to a known state between cases: dom0's holders freed, dom0 at 768 MiB, the domU at 160
 * MiB, both balloons settled. Much cheaper than a reboot under TCG. */
export async function resetXen(vm: XenVm): Promise<ResetResult> {
  const r = await vm.channel.run(`release; xl mem-set 0 ${DOM0_MIB}m${vm.domu ? `; xl mem-set domu ${DOMU_MIB}m` : ''}`, 30_000);
  if (r.kind !== 'ok') return { ok: false, why: `dom0 channel: ${r.kind}` };
  if (r.rc !== 0) return { ok: false, why: `reset command rc ${r.rc}: ${r.output.trim()}` };
  const doms: Domain[] = vm.domu ? ['dom0', 'domu'] : ['dom0'];
  for (const d of doms) {
    const want = (d === 'dom0' ? DOM0_MIB : DOMU_MIB) * 1024;
    const s = await settle(vm, d, { stallMs: 8_000, timeoutMs: 60_000, expectTargetKiB: want });
    if (s.settle.end !== 'reached') return { ok: false, why: `${d} did not return to ${want / 1024} MiB (${s.settle.end})` };
  }
  const base = (await settle(vm, 'dom0', { stallMs: 1_000, timeoutMs: 10_000 })).last;
  if (base === null) return { ok: false, why: 'no snapshot after reset' };
  if (base.dom0.currentKiB !== DOM0_MIB * 1024 || (vm.domu && base.domu?.currentKiB !== DOMU_MIB * 1024)) return { ok: false, why: 'balloons moved after the reset settled' };
  return { ok: true, base };
}

function command(step: XenStep): string {
  switch (step.op) {
    case 'mem-set': return `xl mem-set ${step.dom === 'dom0' ? '0' : 'domu'} ${step.mib}m`;
    case 'write-target': return step.dom === 'dom0'
      ? `echo ${step.mib * 1024} > /sys/devices/system/xen_memory/xen_memory0/target_kb`
      : `xenstore-write /local/domain/$(xl domid domu)/memory/target ${step.mib * 1024}`;
    case 'hold': return `hold ${step.mib}`;
    case 'free': return 'release';
    case 'read': return 'true';
  }
}

function stateOf(r: ChannelResult, vm: XenVm): GuestState {
  if (r.kind === 'ok') return 'alive';
  return vm.alive && r.kind === 'timeout' ? 'hung' : 'dead';
}

/** Runs `c` on `vm`, which has just been reset (`base` is that reset's snapshot). */
export async function runXenCase(vm: XenVm, c: XenCase, base: XenSnapshot): Promise<XenCaseRecord> {
  const t0 = Date.now();
  const steps: XenStepRecord[] = [];
  let guest: GuestState = 'alive';
  for (const [index, step] of c.steps.entries()) {
    const ts = Date.now();
    const r = await vm.channel.run(command(step), 40_000);
    guest = stateOf(r, vm);
    let st: Settle | undefined;
    let snap: XenSnapshot | undefined;
    if (guest === 'alive') {
      if (isTarget(step)) {
        // A refused target (rc != 0) still gets a short wait: nothing may move.
        const accepted = r.kind === 'ok' && r.rc === 0;
        const s = await settle(vm, step.dom, accepted ? { stallMs: 8_000, timeoutMs: 60_000, expectTargetKiB: step.mib * 1024 } : { stallMs: 1_500, timeoutMs: 10_000 });
        st = s.settle;
        snap = s.last ?? undefined;
        if (st.end === 'lost') guest = vm.alive ? 'hung' : 'dead';
      } else {
        snap = (await snapshot(vm)) ?? undefined;
        if (snap === undefined) guest = vm.alive ? 'hung' : 'dead';
      }
    }
    steps.push({
      index, step, guest,
      ...(r.kind === 'ok' ? { rc: r.rc, output: r.output.trim().slice(-300) } : { output: r.kind === 'dead' ? r.reason : `timeout (${formatXenStep(step)})` }),
      ...(st ? { settle: st } : {}), ...(snap ? { snapshot: snap } : {}), ms: Date.now() - ts,
    });
    if (guest !== 'alive') break;
  }
  if (guest === 'alive' && !vm.alive) guest = 'dead';
  // A crashing dom0 takes a moment to make Xen reboot and QEMU exit (-no-reboot).
  if (guest !== 'alive') {
    await vm.exitStatus(3_000);
    if (!vm.alive) guest = 'dead';
  }
  // A crashed domU (on_crash = "preserve") stays listed; its death shows in its console and xl list.
  return {
    domu: vm.domu, base, steps, guest, consoleTail: guest === 'alive' ? '' : vm.consoleTail(25),
    consoleHighlights: vm.consoleTail(400).split('\n').map((l) => l.replace(/\r+$/, '')).filter((l) => NOTABLE.test(l)).slice(-6),
    ms: Date.now() - t0,
  };
}

export { statOf };
