/**
 * The projection of a VMware step onto chart events: each effect becomes at most one event, in
 * the order the step reported them, reduced to what the charts judge. A reply of RESET is one
 * event whatever the command; a hostile command goes to the host chart only.
 */
import { MAX_PPN32, PAGE_CMDS, type VmwCaps, type VmwCmd, type VmwGuestObservation, type VmwStepResult } from '../../core/vmware/index.ts';

export type VmwEvent =
  /** START answered: `ok` with the capabilities granted (null when it failed). */
  | { type: 'START'; ok: boolean; caps: VmwCaps | null }
  /** A command of the driver (or compaction) answered RESET. */
  | { type: 'REPLY_RESET'; cmd: VmwCmd }
  /** VMCI_DOORBELL_SET: set or unset, and whether the host took it. */
  | { type: 'DOORBELL'; set: boolean; ok: boolean }
  /** A LOCK or UNLOCK answered: entries, entries the host did, 4 KiB pages an entry, page numbers over 32 bits in a non-batched one. */
  | { type: 'PAGES'; origin: 'driver' | 'migrate' | 'hostile'; lock: boolean; batched: boolean; large: boolean; entries: number; done: number; pageGpfns: number; over32: boolean }
  /** The driver's size written. */
  | { type: 'SIZE'; size: number }
  /** The driver dropped its balloon without UNLOCK (vmballoon_pop). */
  | { type: 'POP' }
  /** The host forgot the balloon. */
  | { type: 'FORGET' }
  /** A worker run ended: refused pages it held at most, and pages still on their way in after it. */
  | { type: 'WORK'; peakRefused: number; inflating: number };

export type VmwEventType = VmwEvent['type'];

/** The events of one step of one guest, for both charts (the host chart takes START, FORGET, PAGES, DOORBELL, REPLY_RESET). */
export function vmwStepEvents(result: VmwStepResult, after: VmwGuestObservation | undefined): VmwEvent[] {
  const out: VmwEvent[] = [];
  for (const e of result.effects) {
    switch (e.kind) {
      case 'backdoor': {
        const pc = PAGE_CMDS[e.cmd];
        if (e.origin !== 'hostile' && e.status === 'reset') { out.push({ type: 'REPLY_RESET', cmd: e.cmd }); break; }
        if (e.cmd === 'start') { out.push({ type: 'START', ok: e.status === 'success' || e.status === 'success-with-caps', caps: after?.vmware.host.caps ?? null }); break; }
        if (e.cmd === 'doorbell-set') { out.push({ type: 'DOORBELL', set: e.set === true, ok: e.status === 'success' }); break; }
        if (!pc) break;
        out.push({
          type: 'PAGES', origin: e.origin, lock: pc.lock, batched: pc.batched, large: pc.large, entries: e.ppns.length,
          done: e.entries.filter((s) => s === 'success').length, pageGpfns: e.pageGpfns, over32: !pc.batched && e.ppns.some((p) => p > MAX_PPN32),
        });
        break;
      }
      case 'actual-written': out.push({ type: 'SIZE', size: e.actual }); break;
      case 'reset': out.push({ type: 'POP' }); break;
      case 'host-forgot': out.push({ type: 'FORGET' }); break;
      case 'work': out.push({ type: 'WORK', peakRefused: e.peakRefused, inflating: after?.counts.inflating ?? 0 }); break;
      default: break; // frames, targets, reads and writes are the shared invariants' business
    }
  }
  return out;
}

export function formatVmwEvent(e: VmwEvent): string {
  const { type, ...rest } = e;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`).join(' ');
  return args ? `${type}(${args})` : type;
}
