/**
 * The projection of a Hyper-V step onto chart events: the guest chart hears what the driver did
 * with the host's message (and the guest program), the host chart what the host sent and did with
 * the guest's. Each event is reduced to counts; the shared invariants judge gpfns and frames.
 */
import { rangePages, type HvCommand, type HvGuestObservation, type HvOutstanding, type HvStepResult } from '../../core/hyperv/index.ts';

export type HvEvent =
  // guest chart
  | { type: 'G_VERSION'; accepted: boolean }
  | { type: 'G_CAPS'; accepted: boolean }
  /** A BALLOON_REQUEST handled: pages asked, pages named in responses (sent or not), gpfns taken, pages and gpfns given back after a failed send. */
  | { type: 'G_BALLOON'; asked: number; given: number; gpfns: number; returnedPages: number; returnedGpfns: number; responses: number; lastMore: boolean }
  /** An UNBALLOON_REQUEST part handled: pages it names, gpfns freed, whether it was answered. */
  | { type: 'G_UNBALLOON'; trans: number; more: boolean; pages: number; gpfns: number; answered: boolean }
  | { type: 'G_HOT_ADD'; count: number; onlined: number; added: number }
  | { type: 'G_OFFLINE'; gpfns: number }
  | { type: 'G_STATUS'; committed: number; free: number }
  /** A host message refused by the driver; `alone`: the step did nothing else. */
  | { type: 'G_REFUSED'; alone: boolean }
  | { type: 'ALLOC'; gpfns: number }
  | { type: 'FREE'; gpfns: number }
  // host chart
  | { type: 'H_VERSION' }
  | { type: 'H_CAPS'; balloon: boolean }
  | { type: 'H_STATUS' }
  | { type: 'H_ABANDON' }
  /** The host opened a transaction: pages asked (balloon), named (unballoon) or offered (hot-add); actual after. */
  | { type: 'H_REQUEST'; kind: HvOutstanding['type']; pages: number; actual: number; target: number }
  /** The host handled a response of its open transaction; actual after. */
  | { type: 'H_RESPONSE'; kind: HvOutstanding['type']; more: boolean; pages: number; actual: number }
  | { type: 'H_STALE' }
  | { type: 'TARGET_SET'; requested: number; target: number };

export type HvEventType = HvEvent['type'];

/** The events of one step of guest `command.guest`, for both charts, in order. */
export function hvStepEvents(command: HvCommand, result: HvStepResult, after: HvGuestObservation | undefined): HvEvent[] {
  const out: HvEvent[] = [];
  const fx = result.effects;
  const actual = after?.actual ?? 0;
  let gpfns = 0, returnedGpfns = 0, returnedPages = 0, given = 0, responses = 0, lastMore = false, unb = 0, onl = 0, off = 0;
  for (const e of fx) {
    if (e.kind === 'hv-ballooned') gpfns += e.gpfns.length;
    if (e.kind === 'hv-returned') returnedGpfns += e.gpfns.length;
    if (e.kind === 'hv-unballooned') unb += e.gpfns.length;
    if (e.kind === 'hv-onlined') onl += e.gpfns.length;
    if (e.kind === 'hv-offlined') off += e.gpfns.length;
    if (e.kind === 'hv-sent' && e.from === 'guest' && e.msg.type === 'balloon-response') {
      given += rangePages(e.msg.ranges); responses++; lastMore = e.msg.more;
      if (!e.sent) returnedPages += rangePages(e.msg.ranges);
    }
  }
  for (const e of fx) {
    switch (e.kind) {
      case 'target-set': out.push({ type: 'TARGET_SET', requested: e.requested, target: e.target }); break;
      case 'pages-allocated': out.push({ type: 'ALLOC', gpfns: e.gpfns.length }); break;
      case 'pages-freed': out.push({ type: 'FREE', gpfns: e.gpfns.length }); break;
      case 'hv-offlined': out.push({ type: 'G_OFFLINE', gpfns: off }); break;
      case 'hv-abandoned': out.push({ type: 'H_ABANDON' }); break;
      case 'hv-sent': {
        const m = e.msg;
        if (e.from === 'guest' && m.type === 'status') out.push({ type: 'G_STATUS', committed: m.committed, free: m.free });
        if (e.from !== 'host') break;
        // One event per transaction the host opens: its first message.
        if (m.type === 'balloon-request') out.push({ type: 'H_REQUEST', kind: 'balloon', pages: m.pages, actual, target: after?.target ?? 0 });
        else if (m.type === 'hot-add-request') out.push({ type: 'H_REQUEST', kind: 'hot-add', pages: m.range.count, actual, target: after?.target ?? 0 });
        else if (m.type === 'unballoon-request' && !out.some((x) => x.type === 'H_REQUEST')) {
          const pages = fx.reduce((n, x) => n + (x.kind === 'hv-sent' && x.from === 'host' && x.msg.type === 'unballoon-request' ? rangePages(x.msg.ranges) : 0), 0);
          out.push({ type: 'H_REQUEST', kind: 'unballoon', pages, actual, target: after?.target ?? 0 });
        }
        break;
      }
      case 'hv-handled': {
        const m = e.msg;
        if (e.by === 'guest') {
          if (e.refused) { out.push({ type: 'G_REFUSED', alone: fx.length === 1 }); break; }
          if (m.type === 'version-response') out.push({ type: 'G_VERSION', accepted: m.accepted });
          else if (m.type === 'caps-response') out.push({ type: 'G_CAPS', accepted: m.accepted });
          else if (m.type === 'balloon-request') out.push({ type: 'G_BALLOON', asked: m.pages, given, gpfns, returnedPages, returnedGpfns, responses, lastMore });
          else if (m.type === 'unballoon-request') out.push({ type: 'G_UNBALLOON', trans: m.trans, more: m.more, pages: rangePages(m.ranges), gpfns: unb, answered: fx.some((x) => x.kind === 'hv-sent' && x.msg.type === 'unballoon-response') });
          else if (m.type === 'hot-add-request') out.push({ type: 'G_HOT_ADD', count: m.range.count, onlined: onl, added: after?.hv.added ?? 0 });
        } else {
          if (e.refused) { out.push({ type: 'H_STALE' }); break; }
          if (m.type === 'version-request') out.push({ type: 'H_VERSION' });
          else if (m.type === 'caps-report') out.push({ type: 'H_CAPS', balloon: m.balloon });
          else if (m.type === 'status') out.push({ type: 'H_STATUS' });
          else if (m.type === 'balloon-response') out.push({ type: 'H_RESPONSE', kind: 'balloon', more: m.more, pages: rangePages(m.ranges), actual });
          else if (m.type === 'unballoon-response') out.push({ type: 'H_RESPONSE', kind: 'unballoon', more: false, pages: 0, actual });
          else if (m.type === 'hot-add-response') out.push({ type: 'H_RESPONSE', kind: 'hot-add', more: false, pages: m.pages, actual });
        }
        break;
      }
      default: break;
    }
  }
  void command;
  return out;
}

export function formatHvEvent(e: HvEvent): string {
  const { type, ...rest } = e;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${v}`).join(' ');
  return args ? `${type}(${args})` : type;
}
