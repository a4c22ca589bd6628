// What the harness reads in dom0 (qemu/xen/dom0-init.sh `xstat`, `ustat`), parsed into numbers,
// and the wait for a balloon to finish moving. All sizes in KiB as Linux's sysfs gives them
// (drivers/xen/xen-balloon.c: target_kb, info/current_kb, info/low_kb, info/high_kb), Xen's free
// memory in MiB as `xl info` gives it.
import { sleep } from '../vm.ts';
import type { Domain } from './steps.ts';
import type { XenVm } from './vm.ts';

export interface BalloonStat {
  readonly targetKiB: number;
  readonly currentKiB: number;
  readonly lowKiB: number;
  readonly highKiB: number;
  readonly memTotalKiB: number;
  readonly memFreeKiB: number;
}

export interface XenSnapshot {
  readonly dom0: BalloonStat & { readonly retryCount: number };
  readonly xenFreeMiB: number;
  readonly xenTotalMiB: number;
  /** The domU's own last report, with the report's sequence number and what `xl list` says. */
  readonly domu?: BalloonStat & { readonly seq: number; readonly xlMiB: number; readonly xsTargetKiB: number };
}

const nums = (s: string): number[] => s.trim().split(/\s+/).map(Number);

/** Parses the output of `xstat` (and `ustat`); null when a line is missing or garbled. */
export function parseSnapshot(out: string, withDomu: boolean): XenSnapshot | null {
  const x = /^XSTAT ([\d ]+)$/m.exec(out);
  if (x === null) return null;
  const v = nums(x[1] as string);
  if (v.length !== 9 || v.some((n) => !Number.isFinite(n))) return null;
  const [targetKiB, currentKiB, lowKiB, highKiB, retryCount, memTotalKiB, memFreeKiB, xenFreeMiB, xenTotalMiB] = v as [number, number, number, number, number, number, number, number, number];
  const snap = { dom0: { targetKiB, currentKiB, lowKiB, highKiB, retryCount, memTotalKiB, memFreeKiB }, xenFreeMiB, xenTotalMiB };
  if (!withDomu) return snap;
  const u = /^USTAT (\d+) (\d+) (\d+) \| DOMU ([\d ]+)$/m.exec(out);
  if (u === null) return null;
  const d = nums(u[4] as string);
  if (d.length !== 7 || d.some((n) => !Number.isFinite(n))) return null;
  const [seq, t, c, l, h, mt, mf] = d as [number, number, number, number, number, number, number];
  return {
    ...snap,
    domu: { seq, targetKiB: t, currentKiB: c, lowKiB: l, highKiB: h, memTotalKiB: mt, memFreeKiB: mf, xlMiB: Number(u[2]), xsTargetKiB: Number(u[3]) },
  };
}

export async function snapshot(vm: XenVm): Promise<XenSnapshot | null> {
  const r = await vm.channel.run(vm.domu ? 'xstat; ustat' : 'xstat', 30_000);
  return r.kind === 'ok' ? parseSnapshot(r.output, vm.domu) : null;
}

export const statOf = (s: XenSnapshot, dom: Domain): BalloonStat | undefined => (dom === 'dom0' ? s.dom0 : s.domu);

export interface Settle {
  /** reached: current == target; stalled: current did not move for `stallMs`; timeout; lost: the
   * channel stopped answering. */
  readonly end: 'reached' | 'stalled' | 'timeout' | 'lost';
  readonly ms: number;
  /** Every distinct current_kb seen while waiting, in order (the path the driver took). */
  readonly path: number[];
  readonly polls: number;
}

const SYSFS = '/sys/devices/system/xen_memory/xen_memory0';
/** A cheap poll (shell built-ins and one grep: `xl info` costs seconds under TCG): seq target current. */
const POLL: Record<Domain, string> = {
  dom0: `read t < ${SYSFS}/target_kb; read c < ${SYSFS}/info/current_kb; echo "CUR 0 $t $c"`,
  domu: `echo "CUR $(grep '^DOMU [0-9]' /var/log/xen/console/guest-domu.log | tail -n1 | cut -d' ' -f2-4)"`,
};

async function poll(vm: XenVm, dom: Domain): Promise<{ seq: number; target: number; current: number } | null> {
  const r = await vm.channel.run(POLL[dom], 20_000);
  if (r.kind !== 'ok') return null;
  const m = /^CUR (\d+) (\d+) (\d+)/m.exec(r.output);
  return m === null ? null : { seq: Number(m[1]), target: Number(m[2]), current: Number(m[3]) };
}

/**
 * Polls `dom`'s balloon until current_kb equals target_kb, stops moving, or time runs out, then
 * reads a full snapshot once Xen's free memory has stopped moving too (Xen frees a page given
 * back when its last reference goes, which may lag the guest's count). For the domU only a fresh
 * report (a new sequence number) counts; with `expectTargetKiB`, only a report that already shows
 * that target can end the wait as reached (an older one shows the old target, already reached).
 */
export async function settle(vm: XenVm, dom: Domain, opts: { stallMs?: number; timeoutMs?: number; expectTargetKiB?: number } = {}): Promise<{ settle: Settle; last: XenSnapshot | null }> {
  const stallMs = opts.stallMs ?? 8_000;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const t0 = Date.now();
  const path: number[] = [];
  let polls = 0;
  let lastMove = t0;
  let lastSeq = -1;
  let end: Settle['end'];
  for (;;) {
    const p = await poll(vm, dom);
    polls++;
    if (p === null) return { settle: { end: 'lost', ms: Date.now() - t0, path, polls }, last: null };
    const fresh = dom === 'dom0' || p.seq !== lastSeq;
    lastSeq = p.seq;
    if (fresh) {
      if (path.length === 0 || path[path.length - 1] !== p.current) { path.push(p.current); lastMove = Date.now(); }
      if (p.current === p.target && (opts.expectTargetKiB === undefined || p.target === opts.expectTargetKiB)) { end = 'reached'; break; }
    }
    if (Date.now() - lastMove > stallMs) { end = 'stalled'; break; }
    if (Date.now() - t0 > timeoutMs) { end = 'timeout'; break; }
    await sleep(200);
  }
  const ms = Date.now() - t0;
  // Xen's free memory: read until two reads agree (at most 5 reads).
  let last = await snapshot(vm);
  for (let i = 0; i < 4 && last !== null; i++) {
    const again = await snapshot(vm);
    if (again === null) { last = null; break; }
    const same = again.xenFreeMiB === last.xenFreeMiB && again.dom0.currentKiB === last.dom0.currentKiB && again.domu?.currentKiB === last.domu?.currentKiB;
    last = again;
    if (same) break;
  }
  if (last === null) return { settle: { end: 'lost', ms, path, polls }, last };
  return { settle: { end, ms, path, polls }, last };
}
