/**
 * The contract of every hinting command (core/virtio/hinting.ts), checked on every step against
 * the observation before it: when a refusal is legal and with which code, and what an accepted
 * command must have done. Without it a system that accepts every command and does nothing would
 * keep the chart's counts and pass; with it, a request must set an id, a device step must serve
 * the oldest buffer, and so on.
 */
import {
  CMD_ID_DONE, CMD_ID_MIN, CMD_ID_STOP, HintPage, type HintCommand, type HintEffect, type HintObservation, type HintStepResult,
} from '../../../core/virtio/hinting.ts';
import type { HintProperty } from './properties.ts';

const count = (o: HintObservation, s: number) => o.state.reduce((n, v) => n + (v === s ? 1 : 0), 0);
const only = <K extends HintEffect['kind']>(r: HintStepResult, kind: K) => r.effects.filter((e): e is Extract<HintEffect, { kind: K }> => e.kind === kind);

/** A step that `legal` says must be refused with `code`: whether it was, and with that code only when legal. */
function refusedAs(c: HintCommand, r: HintStepResult, code: string, legal: boolean): string | null {
  if (r.outcome !== 'refused') return legal ? `${c.kind} was accepted, but it must be refused with ${code}` : null;
  return r.code === code && legal ? null : `${c.kind} was refused with ${r.code}, which is not legal here`;
}

/** An accepted step that must set the command id to one `want` accepts (`what` in words). */
function setTo(c: HintCommand, r: HintStepResult, after: HintObservation, want: (id: number) => boolean, what: string): string | null {
  const s = only(r, 'cmd-id-set');
  return s.length === 1 && want(s[0].cmdId) && after.cmdId === s[0].cmdId ? null : `an accepted ${c.kind} must set free_page_hint_cmd_id to ${what} (one cmd-id-set effect, seen in the observation)`;
}
const isNewId = (id: number) => id >= CMD_ID_MIN;
const isStop = (id: number) => id === CMD_ID_STOP;
const isDone = (id: number) => id === CMD_ID_DONE;

function check(c: HintCommand, r: HintStepResult, before: HintObservation, after: HintObservation, issued: boolean): string | null {
  switch (c.kind) {
    case 'hint-request':
      if (r.outcome === 'refused') return `hint-request was refused with ${r.code}; the host may ask a round at any time`;
      return setTo(c, r, after, isNewId, 'a new id of 2 or more');
    case 'hint-stop': return refusedAs(c, r, 'hint/no-round', before.cmdId < CMD_ID_MIN) ?? (r.outcome === 'accepted' ? setTo(c, r, after, isStop, 'STOP (0)') : null);
    case 'hint-done': {
      const code = before.cmdId === CMD_ID_DONE ? 'hint/already-done' : !issued ? 'hint/no-round' : null;
      if (code) return refusedAs(c, r, code, true);
      if (r.outcome === 'refused') return `hint-done was refused with ${r.code}, but a round was asked and DONE not yet written`;
      return setTo(c, r, after, isDone, 'DONE (1)');
    }
    case 'hint-device': {
      const bad = refusedAs(c, r, 'hint/queue-empty', before.queued.length === 0);
      if (bad || r.outcome === 'refused') return bad;
      const p = only(r, 'hint-processed');
      if (p.length !== 1 || p[0].id !== before.queued[0].id) return `an accepted hint-device must serve buffer ${before.queued[0].id}, the oldest on free_page_vq`;
      return after.queued.some((b) => b.id === p[0].id) ? `buffer ${p[0].id} was served but is still on free_page_vq` : null;
    }
    case 'hint-driver': return r.outcome === 'refused' ? `hint-driver was refused with ${r.code}; the driver's worker may always run` : null;
    case 'hint-release': {
      const held = count(before, HintPage.Hinted);
      const bad = refusedAs(c, r, 'hint/nothing-hinted', held === 0);
      if (bad || r.outcome === 'refused') return bad;
      const want = Math.min(Number.isInteger(c.pages) && c.pages >= 1 ? c.pages : 1, held);
      const back = only(r, 'hints-returned').flatMap((e) => e.gpfns);
      if (back.length !== want || new Set(back).size !== want) return `an accepted hint-release of ${c.pages} must give back ${want} distinct hinted pages, not ${back.length}`;
      const wrong = back.find((p) => before.state[p] !== HintPage.Hinted || after.state[p] !== HintPage.Free);
      return wrong === undefined ? null : `gpfn ${wrong} was given back, but it was not hinted before or is not free after`;
    }
    case 'alloc': case 'free': case 'write': case 'read': {
      const from = c.kind === 'alloc' ? HintPage.Free : HintPage.Used;
      const bad = refusedAs(c, r, 'guest/no-page', count(before, from) === 0);
      if (bad || r.outcome === 'refused') return bad;
      const kind = c.kind === 'alloc' ? 'allocated' : c.kind === 'free' ? 'freed' : c.kind === 'write' ? 'wrote' : 'read';
      const e = r.effects.find((x) => x.kind === kind) as { gpfn: number } | undefined;
      if (!e || before.state[e.gpfn] !== from) return `an accepted ${c.kind} must report a ${kind} effect on a page that was ${from === HintPage.Free ? 'free' : 'used'}`;
      const to = c.kind === 'free' ? HintPage.Free : HintPage.Used;
      return after.state[e.gpfn] === to ? null : `gpfn ${e.gpfn} is not ${to === HintPage.Free ? 'free' : 'used'} after ${c.kind}`;
    }
  }
}

export const hintContract: HintProperty = {
  name: 'hint-contract',
  kind: 'always',
  doc: 'every hinting command is refused only with its legal code when that code applies, and an accepted one does what it says',
  refs: 'core/virtio/hinting.ts (the commands); QEMU virtio_balloon_free_page_start/stop/done, get_free_page_hints; Linux shrink_free_pages',
  monitor(config) {
    let before: HintObservation = { cmdId: CMD_ID_STOP, state: new Array<number>(config.pages).fill(HintPage.Free), content: [], queued: [] };
    let issued = false;
    return {
      step({ command, result, obs, index }) {
        const why = check(command, result, before, obs, issued);
        if (command.kind === 'hint-request' && result.outcome === 'accepted') issued = true;
        before = { ...obs, state: [...obs.state], queued: [...obs.queued] };
        return why ? { message: `step ${index}: ${why}` } : null;
      },
    };
  },
};
