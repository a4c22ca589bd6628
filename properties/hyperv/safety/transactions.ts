import { rangePages, type HvMessage } from '../../../core/hyperv/index.ts';
import type { HvProperty } from '../property.ts';
import { forkable } from '../../property.ts';

/**
 * Responses answer the request that is open, matched the way the host matches them: by which
 * request it has outstanding, never by the response's id (Linux stamps each response with a
 * fresh id from its own counter, atomic_inc_return(&trans_id) in balloon_up, balloon_down and
 * hot_add_req, and never compares ids; QEMU hw/hyperv/hv-balloon.c goes by its own state for all
 * three guest responses). A BALLOON_RESPONSE comes only while a BALLOON_REQUEST is open and
 * nothing follows the one without more_pages; the pages of one request's responses never exceed
 * what it asked (balloon_up; "hv_balloon: Balloon up according to request page number", 2020); a
 * multi-part UNBALLOON_REQUEST is answered once, after its last part (balloon_down: no response
 * while more_pages is set); the guest takes a version or capabilities response only for a request
 * of its that is still unanswered (version_resp, cap_resp are the answers to the guest's
 * DM_VERSION_REQUEST and DM_CAPABILITIES_REPORT).
 */
export const hvTransactions: HvProperty = {
  name: 'hv-transactions',
  kind: 'always',
  doc: 'a response answers the open request (matched by the host\'s state, not by id), never gives more pages than asked, and a multi-part unballoon is answered once after its last part',
  refs: 'Linux hv_balloon.c balloon_up, balloon_down, hot_add_req (fresh trans_id per response, ids never compared), version_resp, cap_resp; QEMU hw/hyperv/hv-balloon.c (responses matched by the host\'s state); "hv_balloon: Balloon up according to request page number" (2020)',
  // The monitor's state is all in the object below (forkable: a fork copies it).
  monitor: (config) => forkable({
    /** Per guest: the BALLOON_REQUEST the host sent last (the host has at most one open). */
    balloon: config.guests.map((): Open | null => null),
    /** Per guest: the unballoon whose parts the guest is taking (the parts share the host's id). */
    unballoon: config.guests.map((): { trans: number; last: boolean; answered: boolean } | null => null),
    /** Per guest: version requests and capabilities reports the host took and the guest has not had answered. */
    waiting: config.guests.map(() => ({ version: 0, caps: 0 })),
  }, ({ balloon, unballoon, waiting }) => {
    return {
      step({ result }) {
        for (const e of result.effects) {
          const i = e.guest;
          // The guest's own requests, as the host takes them (the first is sent as the driver starts).
          if (e.kind === 'hv-handled' && e.by === 'host' && e.msg.type === 'version-request') waiting[i].version++;
          if (e.kind === 'hv-handled' && e.by === 'host' && e.msg.type === 'caps-report') waiting[i].caps++;
          if (e.kind === 'hv-sent' && e.from === 'host') {
            if (e.msg.type === 'balloon-request') balloon[i] = { asked: e.msg.pages, given: 0, closed: false };
          } else if (e.kind === 'hv-handled' && e.by === 'guest' && !e.refused && (e.msg.type === 'version-response' || e.msg.type === 'caps-response')) {
            const w = waiting[i];
            const kind = e.msg.type === 'version-response' ? 'version' : 'caps';
            if (w[kind] === 0) return { message: `guest ${i} took a ${kind === 'version' ? 'VERSION_RESPONSE' : 'CAPABILITIES_RESPONSE'} with no ${kind === 'version' ? 'VERSION_REQUEST' : 'CAPABILITIES_REPORT'} of its unanswered`, guest: i };
            w[kind]--;
          } else if (e.kind === 'hv-handled' && e.by === 'guest' && !e.refused && e.msg.type === 'unballoon-request') {
            const cur = unballoon[i];
            const u = cur && cur.trans === e.msg.trans && !cur.answered ? cur : { trans: e.msg.trans, last: false, answered: false };
            if (!e.msg.more) u.last = true;
            unballoon[i] = u;
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
          const o = balloon[i];
          if (!o) return `guest ${i} sent a BALLOON_RESPONSE, but the host sent no BALLOON_REQUEST`;
          if (o.closed) return `guest ${i} sent another BALLOON_RESPONSE after the one without more_pages`;
          o.given += rangePages(m.ranges);
          if (o.given > o.asked) return `guest ${i} gave ${o.given} pages for a BALLOON_REQUEST that asked ${o.asked}`;
          if (!m.more) o.closed = true;
          return null;
        }
        case 'unballoon-response': {
          const u = unballoon[i];
          if (!u || !u.last) return `guest ${i} answered an UNBALLOON_REQUEST before its last part`;
          if (u.answered) return `guest ${i} answered UNBALLOON_REQUEST #${u.trans} twice`;
          u.answered = true;
          return null;
        }
        default: return null;
      }
    }
  }),
};

type Open = { asked: number; given: number; closed: boolean };
