/**
 * The rules of free page hinting (VIRTIO 1.2 5.5.6.5) as named data, the way model/virtio/rules.ts
 * states the balloon's: every guard of the hinting chart (model/virtio/hinting-machine.ts) is
 * "all rules of its set hold", `stmt` numbers the statements of docs/virtio-spec.md a rule encodes
 * (5.5.6.5.1 binds the driver, 5.5.6.5.2 the device), and a rule with `only` is the narrowing of
 * the profile it names. What the device does to page contents (statements 44, 45, 49-51) is also
 * judged on the pages themselves by the hinting properties (properties/virtio/hinting/).
 */
import { CMD_ID_BYTES, CMD_ID_DONE, CMD_ID_MIN, CMD_ID_STOP, type HintProfile } from '../../core/virtio/hinting.ts';

/** One buffer on free_page_vq as the chart keeps it. */
export interface HintModelBuffer {
  readonly id: number;
  readonly kind: 'cmd' | 'pages';
  /** For a command-id buffer: the id it carries. */
  readonly cmdId: number;
  /** For a page buffer: how many pages. */
  readonly size: number;
  /** The id of the round the driver had open when it sent the buffer (-1: none). */
  readonly under: number;
}

export type HintDeviceStatus = 'idle' | 'requested' | 'start' | 'stop' | 'done';

export interface HintModelContext {
  readonly profile: HintProfile;
  /** `free_page_hint_cmd_id` as the device last wrote it. */
  cmdId: number;
  /** Ids the device issued since it last received a STOP (statement 48). */
  issuedOpen: readonly number[];
  /** QEMU's FREE_PAGE_HINT_S_*: REQUESTED after a new id, START once its buffer came, STOP, DONE. */
  status: HintDeviceStatus;
  /** The last command id (2 or more) the driver sent, -1 before any. */
  lastSent: number;
  /** The driver opened a round and has not closed it with STOP. */
  active: boolean;
  free: number;
  used: number;
  hinted: number;
  queue: readonly HintModelBuffer[];
}

export type HintEvent =
  | { type: 'CMD_ID_SET'; cmdId: number }
  | { type: 'CMD_QUEUED'; id: number; cmdId: number; bytes: number }
  | { type: 'HINTS_QUEUED'; id: number; size: number }
  | { type: 'HINT_PROCESSED'; id: number; taken: number; ignored: number }
  | { type: 'HINTS_RETURNED'; size: number }
  | { type: 'ALLOCATED' }
  | { type: 'FREED' }
  | { type: 'DRIVER_IDLE' }
  | { type: 'DEVICE_IDLE' };

export interface HintRule {
  says: string;
  stmt?: readonly number[];
  only?: readonly HintProfile[];
  holds(c: HintModelContext, e: HintEvent): boolean;
}

type Ev<T extends HintEvent['type']> = Extract<HintEvent, { type: T }>;
const LINUX: readonly HintProfile[] = ['linux'];
const buf = (c: HintModelContext, e: HintEvent) => c.queue.find((b) => b.id === (e as Ev<'HINT_PROCESSED'>).id);
/** The round the driver opened is still the one the device asks for. */
const roundCurrent = (c: HintModelContext) => c.active && c.cmdId === c.lastSent;

export const HINT_RULES = {
  /** The device writes a new command id (QEMU virtio_balloon_free_page_start). */
  newIdAllowed: [
    { says: 'a new command id is 2 or more (5.5.6.5: 0 is STOP, 1 is DONE)', holds: (_c, e) => (e as Ev<'CMD_ID_SET'>).cmdId >= CMD_ID_MIN },
    { says: 'the device does not reuse a command id before it received STOP from the driver (5.5.6.5.2)', stmt: [48], holds: (c, e) => !c.issuedOpen.includes((e as Ev<'CMD_ID_SET'>).cmdId) },
  ],
  stopSetAllowed: [
    { says: 'the device writes STOP over a round it asked for (QEMU virtio_balloon_free_page_stop acts only in REQUESTED or START)', holds: (c, e) => (e as Ev<'CMD_ID_SET'>).cmdId === CMD_ID_STOP && c.cmdId >= CMD_ID_MIN },
  ],
  doneSetAllowed: [
    { says: 'the device writes DONE once, after it asked for a round (QEMU virtio_balloon_free_page_done)', holds: (c, e) => (e as Ev<'CMD_ID_SET'>).cmdId === CMD_ID_DONE && c.cmdId !== CMD_ID_DONE && c.status !== 'idle' },
  ],
  /** The driver opens a round (Linux send_cmd_id_start). */
  startAllowed: [
    { says: 'a command id goes in an output buffer of 4 bytes (5.5.6.5.1; QEMU get_free_page_hints raises virtio_error otherwise)', stmt: [37], holds: (_c, e) => (e as Ev<'CMD_QUEUED'>).bytes === CMD_ID_BYTES },
    { says: 'the driver starts hinting with a buffer holding the current command id (5.5.6.5.1)', stmt: [38], holds: (c, e) => (e as Ev<'CMD_QUEUED'>).cmdId === c.cmdId && c.cmdId >= CMD_ID_MIN },
    { says: 'the driver sends the current command id only once (5.5.6.5.1)', stmt: [39], holds: (c, e) => (e as Ev<'CMD_QUEUED'>).cmdId !== c.lastSent },
    { says: 'the driver closes its open round with STOP before it opens the next (linux: every report ends with send_cmd_id_stop; 5.5.6.5.1 statement 41 is a SHOULD)', stmt: [41], only: LINUX, holds: (c) => !c.active },
  ],
  /** The driver closes a round (Linux send_cmd_id_stop). */
  stopAllowed: [
    { says: 'the buffer carries STOP (0)', holds: (_c, e) => (e as Ev<'CMD_QUEUED'>).cmdId === CMD_ID_STOP },
    { says: 'STOP goes in an output buffer of 4 bytes (5.5.6.5.1)', stmt: [37], holds: (_c, e) => (e as Ev<'CMD_QUEUED'>).bytes === CMD_ID_BYTES },
    { says: 'the driver sends STOP only to close a round it opened (linux: send_cmd_id_stop ends send_free_page_hints; the spec forbids no extra STOP)', only: LINUX, holds: (c) => c.active },
  ],
  hintAllowed: [
    { says: 'hints follow the buffer that opened the round: no page before the current command id was sent (5.5.6.5.1)', stmt: [38], holds: (c) => c.active },
    { says: 'a hint names at least one free guest page', holds: (c, e) => (e as Ev<'HINTS_QUEUED'>).size >= 1 && (e as Ev<'HINTS_QUEUED'>).size <= c.free },
    { says: 'the driver hints only while the id it opened is current, not after STOP, DONE or a newer id (linux: get_free_page_and_send checks the id before every block; 5.5.6.5.1 statements 40 and 41 are SHOULDs)', stmt: [40, 41], only: LINUX, holds: (c) => roundCurrent(c) },
  ],
  processAllowed: [
    { says: 'the device serves the oldest buffer on free_page_vq (the harness\'s hint-device command; QEMU pops in order)', holds: (c, e) => c.queue[0]?.id === (e as Ev<'HINT_PROCESSED'>).id },
    { says: 'the device accounts for every page of the buffer, taken or ignored', holds: (c, e) => {
      const b = buf(c, e);
      const p = e as Ev<'HINT_PROCESSED'>;
      return !!b && p.taken + p.ignored === (b.kind === 'pages' ? b.size : 0);
    } },
    { says: 'the device ignores pages sent under a command id that is not the current one, and any before the current id\'s buffer came (5.5.6.5.2)', stmt: [49], holds: (c, e) => {
      const b = buf(c, e);
      return (e as Ev<'HINT_PROCESSED'>).taken === 0 || (!!b && b.under === c.cmdId && c.status === 'start');
    } },
  ],
  returnAllowed: [
    { says: 'the driver gives back only pages it hinted, at any time, before DONE and before the device used the buffer too (5.5.6.5.1)', stmt: [43], holds: (c, e) => (e as Ev<'HINTS_RETURNED'>).size >= 1 && (e as Ev<'HINTS_RETURNED'>).size <= c.hinted },
  ],
  driverMayIdle: [
    { says: 'a driver unable to supply pages closes the round with STOP (5.5.6.5.1: it must not idle with the round open and no free page)', stmt: [42], holds: (c) => !(roundCurrent(c) && c.free === 0) },
    { says: 'a driver step with a new command id opens the round and one with the round open and free pages hints (linux: virtio_balloon_report_free_page; 5.5.6.5.1 statement 40 is a SHOULD)', stmt: [40], only: LINUX, holds: (c) =>
      !(c.cmdId >= CMD_ID_MIN && c.cmdId !== c.lastSent) && !(roundCurrent(c) && c.free > 0) },
    { says: 'a driver step after STOP, DONE or a newer id closes its open round with STOP (linux: send_cmd_id_stop; 5.5.6.5.1 statement 41 is a SHOULD)', stmt: [41], only: LINUX, holds: (c) => !(c.active && c.cmdId !== c.lastSent) },
    { says: 'a driver step after DONE gives every hinted page back (linux: return_free_pages_to_mm on DONE; 5.5.6.5.1 statement 46 is a SHOULD)', stmt: [46], only: LINUX, holds: (c) => !(c.cmdId === CMD_ID_DONE && c.hinted > 0) },
  ],
  queueEmpty: [{ says: 'a device step finds free_page_vq empty only when no buffer waits', holds: (c) => c.queue.length === 0 }],
  allocFits: [{ says: 'the allocator hands out a free page', holds: (c) => c.free >= 1 }],
  freeFits: [{ says: 'a guest program frees a used page', holds: (c) => c.used >= 1 }],
} satisfies Record<string, HintRule[]>;

export type HintRuleSet = keyof typeof HINT_RULES;

export const appliesTo = (r: HintRule, c: HintModelContext): boolean => !r.only || r.only.includes(c.profile);

/** The first rule of `set` that `e` breaks in `c`, or null. */
export function brokenHintRule(set: HintRuleSet, c: HintModelContext, e: HintEvent): HintRule | null {
  for (const r of HINT_RULES[set] as HintRule[]) if (appliesTo(r, c) && !r.holds(c, e)) return r;
  return null;
}

/** The rule sets that decide an event, for explaining a refusal. */
export function governingHintRules(c: HintModelContext, e: HintEvent): HintRuleSet[] {
  switch (e.type) {
    case 'CMD_ID_SET': return e.cmdId === CMD_ID_STOP ? ['stopSetAllowed'] : e.cmdId === CMD_ID_DONE ? ['doneSetAllowed'] : ['newIdAllowed'];
    case 'CMD_QUEUED': return e.cmdId === CMD_ID_STOP ? ['stopAllowed'] : ['startAllowed'];
    case 'HINTS_QUEUED': return ['hintAllowed'];
    case 'HINT_PROCESSED': return ['processAllowed'];
    case 'HINTS_RETURNED': return ['returnAllowed'];
    case 'DRIVER_IDLE': return ['driverMayIdle'];
    case 'DEVICE_IDLE': return ['queueEmpty'];
    case 'ALLOCATED': return ['allocFits'];
    case 'FREED': return ['freeFits'];
  }
  void c;
}
