/**
 * The projection of a Xen step onto chart events: each effect becomes at most one event, in the
 * order the step reported them, reduced to sizes. Driver hypercalls go to the thread chart (and
 * the hypervisor chart); hostile ones to the hypervisor chart only. PoD counts, which no effect
 * carries, come from the observation after the step as one POD event when they moved.
 */
import type { XenCommand, XenGuestObservation, XenMemOp, XenStepResult, ThreadState } from '../../core/xen/index.ts';

export type XenEvent =
  | { type: 'TARGET_SET'; requested: number; target: number }
  | { type: 'TICK'; now: number }
  | { type: 'HYPERCALL'; op: XenMemOp; origin: 'driver' | 'hostile' | 'lend'; order: number; asked: number; done: number; refused: number; preempted: boolean; pod: boolean }
  | { type: 'CURRENT'; actual: number }
  | { type: 'POPULATED'; size: number }
  | { type: 'PASS'; ran: boolean; credit: number; after: ThreadState; delay: number; retries: number; now: number }
  | { type: 'ALLOC'; size: number }
  | { type: 'FREE'; size: number }
  | { type: 'LENT'; size: number }
  | { type: 'UNLENT'; size: number }
  | { type: 'RESET' }
  | { type: 'POD'; entries: number; cache: number };

export type XenEventType = XenEvent['type'];

/** The events of one step of guest `command.guest`, for both charts. */
export function xenStepEvents(command: XenCommand, result: XenStepResult, after: XenGuestObservation | undefined, podBefore: [number, number]): XenEvent[] {
  const out: XenEvent[] = [];
  for (const e of result.effects) {
    switch (e.kind) {
      case 'target-set': out.push({ type: 'TARGET_SET', requested: e.requested, target: e.target }); break;
      case 'tick': out.push({ type: 'TICK', now: e.now }); break;
      case 'hypercall': {
        const pod = command.kind === 'hostile' && !!command.req?.pod;
        out.push({ type: 'HYPERCALL', op: e.op, origin: e.origin, order: e.order, asked: e.gpfns.length, done: e.done, refused: e.refused.length, preempted: e.preempted, pod });
        break;
      }
      case 'actual-written': out.push({ type: 'CURRENT', actual: e.actual }); break;
      case 'balloon-pass': out.push({ type: 'PASS', ran: e.ran, credit: e.credit, after: e.after, delay: e.delay, retries: e.retries, now: e.now }); break;
      case 'pages-allocated': out.push({ type: 'ALLOC', size: e.gpfns.length }); break;
      // The populate's pages go back to the allocator; a guest program's free moves used to free.
      case 'pages-freed': out.push(command.kind === 'thread' ? { type: 'POPULATED', size: e.gpfns.length } : { type: 'FREE', size: e.gpfns.length }); break;
      case 'lent': out.push({ type: 'LENT', size: e.gpfns.length }); break;
      case 'unlent': out.push({ type: 'UNLENT', size: e.gpfns.length }); break;
      case 'reset': out.push({ type: 'RESET' }); break;
      default: break; // frames, reads and writes are the shared invariants' business
    }
  }
  if (after && (after.xen.podEntries !== podBefore[0] || after.xen.podCache !== podBefore[1])) {
    out.push({ type: 'POD', entries: after.xen.podEntries, cache: after.xen.podCache });
  }
  return out;
}

export function formatXenEvent(e: XenEvent): string {
  const { type, ...rest } = e;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ');
  return args ? `${type}(${args})` : type;
}
