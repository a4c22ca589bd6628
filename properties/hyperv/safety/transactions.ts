import { rangePages, type HvMessage } from '../../../core/hyperv/index.ts';
import type { HvProperty } from '../property.ts';

/**
 * Transactions answer the request they belong to: every BALLOON_RESPONSE carries the id of a
 * BALLOON_REQUEST the host sent and nothing follows the response without more_pages; the pages of
 * one request's responses never exceed what it asked (balloon_up; "hv_balloon: Balloon up
 * according to request page number", 2020); a multi-part UNBALLOON_REQUEST is answered once,
 * after its last part (balloon_down: no response while more_pages is set); version and
 * capability responses answer the guest's own request. Matching a guest response to its request
 * by trans_id is the testbed's convention (core/hyperv/messages.ts): Linux stamps its responses
 * with fresh ids of its own, so a Linux-exact guest would fail the id half of this property.
 */
export const hvTransactions: HvProperty = {
  name: 'hv-transactions',
  kind: 'always',
  doc: 'responses carry their request\'s id, never give more pages than asked, and a multi-part unballoon is answered once after its last part',
  refs: 'Linux hv_balloon.c balloon_up, balloon_down; trans_id matching is the testbed\'s convention (core/hyperv/messages.ts), not Linux\'s; "hv_balloon: Balloon up according to request page number" (2020)',
  monitor: (config) => {
    type Open = { asked: number; given: number; closed: boolean };
    const balloon = config.guests.map(() => new Map<number, Open>());
    /** Per guest and unballoon id: parts the guest took, whether the last one came, answered. */
    const unballoon = config.guests.map(() => new Map<number, { last: boolean; answered: boolean }>());
    const asked = config.guests.map(() => new Set<number>());
    return {
      step({ result }) {
        for (const e of result.effects) {
          const i = e.guest;
          // The guest's own requests, as the host takes them (the first is sent as the driver starts).
          if (e.kind === 'hv-handled' && e.by === 'host' && (e.msg.type === 'version-request' || e.msg.type === 'caps-report')) asked[i].add(e.msg.trans);
          if (e.kind === 'hv-sent' && e.from === 'host') {
            if (e.msg.type === 'balloon-request') balloon[i].set(e.msg.trans, { asked: e.msg.pages, given: 0, closed: false });
          } else if (e.kind === 'hv-handled' && e.by === 'guest' && !e.refused && (e.msg.type === 'version-response' || e.msg.type === 'caps-response')) {
            if (!asked[i].has(e.msg.trans)) return { message: `guest ${i} took a ${e.msg.type === 'version-response' ? 'VERSION_RESPONSE' : 'CAPABILITIES_RESPONSE'} #${e.msg.trans} for a request it never sent`, guest: i };
          } else if (e.kind === 'hv-handled' && e.by === 'guest' && !e.refused && e.msg.type === 'unballoon-request') {
            const u = unballoon[i].get(e.msg.trans) ?? { last: false, answered: false };
            if (!e.msg.more) u.last = true;
            unballoon[i].set(e.msg.trans, u);
          }
        }
        // The driver's answers, judged after the request they answer was noted (the handled
        // effect closes the step, after the messages it caused).
        for (const e of result.effects) {
          if (e.kind !== 'hv-sent' || e.from !== 'guest') continue;
          const v = check(e.msg, e.guest);
          if (v) return { message: v, guest: e.guest };
        }
        return null;
      },
    };
    function check(m: HvMessage, i: number): string | null {
      switch (m.type) {
        case 'balloon-response': {
          const o = balloon[i].get(m.trans);
          if (!o) return `guest ${i} sent BALLOON_RESPONSE #${m.trans}, but the host sent no BALLOON_REQUEST #${m.trans}`;
          if (o.closed) return `guest ${i} sent another BALLOON_RESPONSE #${m.trans} after the one without more_pages`;
          o.given += rangePages(m.ranges);
          if (o.given > o.asked) return `guest ${i} gave ${o.given} pages for BALLOON_REQUEST #${m.trans}, which asked ${o.asked}`;
          if (!m.more) o.closed = true;
          return null;
        }
        case 'unballoon-response': {
          const u = unballoon[i].get(m.trans);
          if (!u || !u.last) return `guest ${i} answered UNBALLOON_REQUEST #${m.trans} before its last part`;
          if (u.answered) return `guest ${i} answered UNBALLOON_REQUEST #${m.trans} twice`;
          u.answered = true;
          return null;
        }
        default: return null;
      }
    }
  },
};
