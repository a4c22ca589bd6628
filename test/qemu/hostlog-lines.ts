// Test helper: QEMU trace logs written by hand, in the line format of QEMU 7.2's log backend that
// qemu/hostlog.ts parses, and case records built from them (no QEMU needed). Shared by the tests
// of the host-trace properties and of the statechart projection.
import { HostTraceParser, parseHostTrace, type DeviceEvent } from '../../qemu/hostlog.ts';
import type { CaseRecord, StepRecord } from '../../qemu/runner.ts';
import type { Step } from '../../qemu/steps.ts';

export const RAM = 512 * 1024 * 1024;
const VQ = ['0x7f0010', '0x7f00a8', '0x7f0140', '0x7f01d8'];

/** A tiny trace language: one QEMU log line per item, with a clock that moves 1 ms a line. */
export function log(items: string[], start = 0): string {
  return items.map((it, i) => {
    const t = start + i;
    const stamp = `1@${1000 + Math.floor(t / 1000)}.${String((t % 1000) * 1000).padStart(6, '0')}:`;
    const [op, ...a] = it.split(' ');
    switch (op) {
      case 'kick': return `${stamp}virtio_queue_notify vdev 0x55 n ${a[0]} vq ${VQ[Number(a[0])]}`;
      case 'pop': return `${stamp}virtqueue_pop vq ${VQ[Number(a[0])]} elem 0x9 in_num 0 out_num 1`;
      case 'pfn': return `${stamp}virtio_balloon_handle_output section name: pc.ram gpa: 0x${(Number(a[0]) * 4096).toString(16)}`;
      case 'bad': return `${stamp}virtio_balloon_bad_addr gpa: 0x${(Number(a[0]) * 4096).toString(16)}`;
      case 'used': return `${stamp}virtqueue_flush vq ${VQ[Number(a[0])]} count 1`;
      case 'actual': return `${stamp}virtio_balloon_set_config actual: ${a[0]} oldactual: ${a[1] ?? 0}`;
      case 'target': return `${stamp}virtio_balloon_to_target balloon target: 0x1000 num_pages: ${a[0]}`;
      case 'status': return `${stamp}virtio_set_status vdev 0x55 val ${a[0]}`;
      default: throw new Error(`bad item ${it}`);
    }
  }).join('\n');
}

/** `kick q` then `pop q` then pfns then `used q`: one buffer as QEMU serves it. */
export const buffer = (q: number, pfns: number[]): string[] => [`kick ${q}`, `pop ${q}`, ...pfns.map((p) => `pfn ${p}`), `used ${q}`];
export const range = (a: number, n: number): number[] => Array.from({ length: n }, (_, i) => a + i);

/** A record of plain-variant steps whose device events are the given log lines, parsed as one trace. */
export function recordOfLines(steps: Array<{ op?: Step; rc?: number; lines: string[] }>, extra: Partial<CaseRecord> = {}): CaseRecord {
  const parser = new HostTraceParser();
  const out: StepRecord[] = steps.map((s, index) => {
    const device: DeviceEvent[] = parser.push(s.lines);
    const op = s.op ?? { op: 'target', mib: 256, wait: true };
    return { index, step: op, targetBefore: RAM, targetAfter: RAM, guest: 'alive', ms: 1, device, ...(op.op === 'target' ? {} : { rc: s.rc ?? 0 }) };
  });
  return {
    ramBytes: RAM, deflateOnOom: false, baseMemTotalKiB: 1, startActual: RAM, guest: 'alive', consoleTail: '', consoleHighlights: [], ms: 1,
    deviceStart: { statsHeld: false }, variant: 'plain', features: '0100000000', steps: out, ...extra,
  };
}

/** A record of steps written in the trace language above (one clock across the steps). */
export function recordOf(steps: Array<{ op?: Step; rc?: number; items: string[] }>, extra: Partial<CaseRecord> = {}): CaseRecord {
  let t = 0;
  return recordOfLines(steps.map((s) => {
    const lines = s.items.length === 0 ? [] : log(s.items, t).split('\n');
    t += s.items.length;
    return { ...(s.op ? { op: s.op } : {}), ...(s.rc !== undefined ? { rc: s.rc } : {}), lines };
  }), extra);
}

/** The events of a whole log text (one step). */
export const eventsOf = (items: string[]): DeviceEvent[] => parseHostTrace(log(items));
