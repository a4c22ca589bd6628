/**
 * The free page hinting statechart of one guest (VIRTIO 1.2 5.5.6.5), two parallel regions:
 *
 * - `device`: QEMU's command-id machine, FREE_PAGE_HINT_S_{REQUESTED,START,STOP,DONE}
 *   (hw/virtio/virtio-balloon.c): idle until the first id; requested after a new id; started once
 *   the driver's buffer with that id was served; stopped after STOP (written by the device, or
 *   served from the driver); done after DONE.
 * - `driver`: Linux's round (drivers/virtio/virtio_balloon.c): idle, or hinting from the buffer
 *   that opened a round (send_cmd_id_start) to the STOP that closes it (send_cmd_id_stop).
 *
 * Every guard is a rule set of model/virtio/hinting-rules.ts, but `isStarted` and `isStopped`, with
 * which the device's sub-state follows a served command-id buffer (the `process` action). Kept
 * apart from that chart so the balloon's pinned state counts and seeds do not move.
 */
import { assign, setup } from 'xstate';
import {
  CMD_ID_DONE, CMD_ID_STOP, type HintCommand, type HintConfig, type HintStepResult,
} from '../../core/virtio/hinting.ts';
import { brokenHintRule, type HintEvent, type HintModelContext, type HintRuleSet } from './hinting-rules.ts';

type Ev<T extends HintEvent['type']> = Extract<HintEvent, { type: T }>;
interface GuardArgs { context: HintModelContext; event: HintEvent }
const rule = (set: HintRuleSet) => ({ context, event }: GuardArgs) => brokenHintRule(set, context, event) === null;

export function initialHintContext(cfg: HintConfig): HintModelContext {
  return { profile: cfg.profile, cmdId: CMD_ID_STOP, issuedOpen: [], status: 'idle', lastSent: -1, active: false, free: cfg.pages, used: 0, hinted: 0, queue: [] };
}

export const hintMachine = setup({
  types: { context: {} as HintModelContext, events: {} as HintEvent, input: {} as HintConfig },
  guards: {
    newIdAllowed: rule('newIdAllowed'),
    stopSetAllowed: rule('stopSetAllowed'),
    doneSetAllowed: rule('doneSetAllowed'),
    startAllowed: rule('startAllowed'),
    stopAllowed: rule('stopAllowed'),
    hintAllowed: rule('hintAllowed'),
    processAllowed: rule('processAllowed'),
    returnAllowed: rule('returnAllowed'),
    driverMayIdle: rule('driverMayIdle'),
    queueEmpty: rule('queueEmpty'),
    allocFits: rule('allocFits'),
    freeFits: rule('freeFits'),
    isStarted: ({ context }: GuardArgs) => context.status === 'start',
    isStopped: ({ context }: GuardArgs) => context.status === 'stop',
  },
  actions: {
    newId: assign(({ context: c, event }) => ({ cmdId: (event as Ev<'CMD_ID_SET'>).cmdId, status: 'requested' as const, issuedOpen: [...c.issuedOpen, (event as Ev<'CMD_ID_SET'>).cmdId] })),
    setStop: assign(({ context: c }) => ({ cmdId: CMD_ID_STOP, status: c.status === 'requested' || c.status === 'start' ? 'stop' as const : c.status })),
    setDone: assign(() => ({ cmdId: CMD_ID_DONE, status: 'done' as const })),
    queueStart: assign(({ context: c, event }) => {
      const e = event as Ev<'CMD_QUEUED'>;
      return { lastSent: e.cmdId, active: true, queue: [...c.queue, { id: e.id, kind: 'cmd' as const, cmdId: e.cmdId, size: 0, under: e.cmdId }] };
    }),
    queueStop: assign(({ context: c, event }) => {
      const e = event as Ev<'CMD_QUEUED'>;
      return { active: false, queue: [...c.queue, { id: e.id, kind: 'cmd' as const, cmdId: e.cmdId, size: 0, under: c.active ? c.lastSent : -1 }] };
    }),
    queueHints: assign(({ context: c, event }) => {
      const e = event as Ev<'HINTS_QUEUED'>;
      return { free: c.free - e.size, hinted: c.hinted + e.size, queue: [...c.queue, { id: e.id, kind: 'pages' as const, cmdId: -1, size: e.size, under: c.lastSent }] };
    }),
    process: assign(({ context: c }) => {
      const b = c.queue[0];
      const rest = c.queue.slice(1);
      if (b.kind !== 'cmd') return { queue: rest };
      // QEMU get_free_page_hints: START only from REQUESTED with the current id; any other id stops a started round.
      const status = c.status === 'requested' && b.cmdId === c.cmdId ? 'start' as const : c.status === 'start' ? 'stop' as const : c.status;
      return { queue: rest, status, ...(b.cmdId === CMD_ID_STOP ? { issuedOpen: [] } : {}) };
    }),
    giveBack: assign(({ context: c, event }) => ({ free: c.free + (event as Ev<'HINTS_RETURNED'>).size, hinted: c.hinted - (event as Ev<'HINTS_RETURNED'>).size })),
    allocate: assign(({ context: c }) => ({ free: c.free - 1, used: c.used + 1 })),
    freePage: assign(({ context: c }) => ({ free: c.free + 1, used: c.used - 1 })),
  },
}).createMachine({
  id: 'virtio-hinting',
  type: 'parallel',
  context: ({ input }) => initialHintContext(input),
  on: {
    ALLOCATED: { guard: 'allocFits', actions: 'allocate' },
    FREED: { guard: 'freeFits', actions: 'freePage' },
    HINTS_RETURNED: { guard: 'returnAllowed', actions: 'giveBack' },
    DRIVER_IDLE: { guard: 'driverMayIdle' },
    DEVICE_IDLE: { guard: 'queueEmpty' },
    HINT_PROCESSED: { guard: 'processAllowed', actions: 'process' },
  },
  states: {
    device: {
      initial: 'idle',
      on: {
        CMD_ID_SET: [
          { guard: 'newIdAllowed', target: '.requested', actions: 'newId' },
          { guard: 'stopSetAllowed', target: '.stopped', actions: 'setStop' },
          { guard: 'doneSetAllowed', target: '.done', actions: 'setDone' },
        ],
      },
      states: {
        idle: {},
        requested: { always: { guard: 'isStarted', target: 'started' } },
        started: { always: { guard: 'isStopped', target: 'stopped' } },
        stopped: {},
        done: {},
      },
    },
    driver: {
      initial: 'idle',
      states: {
        idle: {
          // A STOP with no round open: the spec forbids none; Linux sends STOP only to close a round.
          on: { CMD_QUEUED: [{ guard: 'startAllowed', target: 'hinting', actions: 'queueStart' }, { guard: 'stopAllowed', actions: 'queueStop', meta: { only: ['spec'] } }] },
        },
        hinting: {
          on: {
            // A new round opened over an open one, with no STOP between: spec only (Linux closes every round).
            CMD_QUEUED: [{ guard: 'startAllowed', actions: 'queueStart', meta: { only: ['spec'] } }, { guard: 'stopAllowed', target: 'idle', actions: 'queueStop' }],
            HINTS_QUEUED: { guard: 'hintAllowed', actions: 'queueHints' },
          },
        },
      },
    },
  },
});

export type HintMachine = typeof hintMachine;

/** The chart's events for one step of a hinting system. */
export function hintStepEvents(command: HintCommand, result: HintStepResult): HintEvent[] {
  const out: HintEvent[] = [];
  for (const e of result.effects) {
    switch (e.kind) {
      case 'cmd-id-set': out.push({ type: 'CMD_ID_SET', cmdId: e.cmdId }); break;
      case 'hint-queued':
        out.push(e.buffer.kind === 'cmd' ? { type: 'CMD_QUEUED', id: e.buffer.id, cmdId: e.buffer.cmdId, bytes: e.buffer.bytes } : { type: 'HINTS_QUEUED', id: e.buffer.id, size: e.buffer.gpfns.length });
        break;
      case 'hint-processed': out.push({ type: 'HINT_PROCESSED', id: e.id, taken: e.taken.length, ignored: e.ignored.length }); break;
      case 'hints-returned': out.push({ type: 'HINTS_RETURNED', size: e.gpfns.length }); break;
      case 'allocated': out.push({ type: 'ALLOCATED' }); break;
      case 'freed': out.push({ type: 'FREED' }); break;
      default: break;
    }
  }
  if (command.kind === 'hint-driver' && out.length === 0) out.push({ type: 'DRIVER_IDLE' });
  if (command.kind === 'hint-device' && result.outcome === 'refused' && result.code === 'hint/queue-empty') out.push({ type: 'DEVICE_IDLE' });
  return out;
}

/** One event as a short line. */
export function formatHintEvent(e: HintEvent): string {
  const { type, ...rest } = e;
  const args = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return args ? `${type} ${args}` : type;
}

