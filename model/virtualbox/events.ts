/**
 * The projection of a VirtualBox step onto chart events: each effect becomes at most one event,
 * in the order the step reported them. A change the host made inside the request (one CPU) is
 * one CHANGE event with `applied`; APPLIED is the EMT's later apply of a queued change.
 */
import type { VboxCommand, VboxStatus, VboxStepResult } from '../../core/virtualbox/index.ts';

export type VboxEvent =
  /** VMMDEV_EVENT_BALLOON_CHANGE_REQUEST raised by the host (a new wanted size). */
  | { type: 'RAISE' }
  /** The event reached the guest. */
  | { type: 'DELIVER' }
  /** GetMemBalloonChangeRequest answered (and the event acknowledged); whether the driver took the size. */
  | { type: 'FETCH'; wanted: number; accepted: boolean }
  /** The driver's ChangeMemBalloon as answered: pages, all aligned, status, queued, done inside the request. */
  | { type: 'CHANGE'; inflate: boolean; pages: number; aligned: boolean; rc: VboxStatus; queued: boolean; applied: boolean }
  /** A hostile ChangeMemBalloon as answered. */
  | { type: 'HOSTILE'; rc: VboxStatus; queued: boolean; applied: boolean }
  /** The EMT applied a queued change. */
  | { type: 'APPLIED'; inflate: boolean; pages: number }
  /** The driver's size written (`actual`, pages). */
  | { type: 'SIZE'; actual: number }
  /** No chunk of free pages to inflate with. */
  | { type: 'PUFF' }
  | { type: 'CLOSE' }
  | { type: 'CLOSED' };

export type VboxEventType = VboxEvent['type'];

/** The events of one step of one guest, for both charts. */
export function vboxStepEvents(command: VboxCommand, result: VboxStepResult): VboxEvent[] {
  const out: VboxEvent[] = [];
  const fx = result.effects;
  fx.forEach((e, i) => {
    switch (e.kind) {
      case 'balloon-event': out.push({ type: e.step === 'raised' ? 'RAISE' : 'DELIVER' }); break;
      case 'get-balloon-req': out.push({ type: 'FETCH', wanted: e.wanted, accepted: e.accepted }); break;
      case 'change-balloon': {
        const applied = fx.slice(i + 1).some((x) => x.kind === 'balloon-applied');
        out.push(e.origin === 'driver'
          ? { type: 'CHANGE', inflate: e.inflate, pages: e.gpfns.length, aligned: e.aligned, rc: e.rc, queued: e.queued, applied }
          : { type: 'HOSTILE', rc: e.rc, queued: e.queued, applied });
        break;
      }
      case 'balloon-applied': if (command.kind === 'apply') out.push({ type: 'APPLIED', inflate: e.inflate, pages: e.pages }); break;
      case 'actual-written': out.push({ type: 'SIZE', actual: e.actual }); break;
      case 'out-of-puff': out.push({ type: 'PUFF' }); break;
      case 'session': out.push({ type: e.step === 'closing' ? 'CLOSE' : 'CLOSED' }); break;
      default: break; // frames, targets, reads and writes are the shared invariants' business
    }
  });
  return out;
}

/** Which chart takes an event: the host sees the device side, the guest its driver. */
export const forVboxHost = (e: VboxEvent): boolean => e.type === 'RAISE' || e.type === 'DELIVER' || e.type === 'FETCH' || e.type === 'CHANGE' || e.type === 'HOSTILE' || e.type === 'APPLIED';
export const forVboxGuest = (e: VboxEvent): boolean => e.type !== 'RAISE' && e.type !== 'HOSTILE';

export function formatVboxEvent(e: VboxEvent): string {
  const { type, ...rest } = e;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ');
  return args ? `${type}(${args})` : type;
}
