/**
 * Free page hinting (VIRTIO 1.2 5.5.6.5, feature bit 3 VIRTIO_BALLOON_F_FREE_PAGE_HINT): the
 * vocabulary of the hinting testbed, one guest and its device, apart from the balloon's commands
 * so that adding it moves no seed of `balloon check` (issue 20, statements 37-52).
 *
 * The device asks for a hinting round by writing a new command id (2 or more) to
 * `free_page_hint_cmd_id`; the driver opens the round with a 4-byte output buffer holding that
 * id, then hints free pages (input buffers on free_page_vq) which it keeps off its free list; the
 * device sets STOP (0) when it wants no more hints and DONE (1) when it no longer needs the pages,
 * and the driver gives them back. In between the device may drop the content of a hinted page the
 * guest has not written since the id was issued (QEMU: a page it skips in live migration arrives
 * as zeroes). The names follow QEMU's FREE_PAGE_HINT_S_{REQUESTED,START,STOP,DONE} and Linux's
 * drivers/virtio/virtio_balloon.c (send_cmd_id_start, send_cmd_id_stop, get_free_page_and_send,
 * return_free_pages_to_mm).
 */

/** `free_page_hint_cmd_id` values with a meaning of their own (VIRTIO 1.2 5.5.6.5). */
export const CMD_ID_STOP = 0;
export const CMD_ID_DONE = 1;
/** The first id of a real round: any value of 2 or more asks for hints. */
export const CMD_ID_MIN = 2;
/** The size of a command-id buffer (statement 37: 4 bytes, a le32). */
export const CMD_ID_BYTES = 4;

/**
 * What a free guest page holds (Linux page poisoning or init_on_free: the free path fills a
 * page, the allocation path checks it). The guest relies on it, so a hinted page the device
 * dropped must be filled again before it is free (statements 44, 45).
 */
export const FREE_FILL = 0xaaaaaaaa;
/** What a page the device dropped holds: QEMU does not migrate it, the destination has zeroes. */
export const DROPPED = 0;

export type HintProfile = 'spec' | 'linux';
export const HINT_PROFILES: Readonly<Record<HintProfile, string>> = {
  linux: 'the Linux driver over QEMU\'s device: the driver follows every SHOULD of 5.5.6.5.1 (hints while asked, stops when told, gives pages back at DONE)',
  spec: 'the VIRTIO 1.2 text of 5.5.6.5 alone: a SHOULD is not required of the driver',
};

export interface HintConfig {
  /** Guest pages (one gpfn each). */
  pages: number;
  profile: HintProfile;
}

export const hintConfig = (over: Partial<HintConfig> = {}): HintConfig => ({ pages: 8, profile: 'linux', ...over });

/**
 * In `balloon check --family virtio`, a guest that negotiated FREE_PAGE_HINT hints from a pool of
 * this many pages of its own, beside the balloon's guest memory (docs/families/virtio.md, "Free
 * page hinting in the family": the pool is not the balloon's memory, so the balloon's invariants
 * do not see hinted pages).
 */
export const HINT_POOL_PAGES = 8;

/** The hinting configuration of a virtio guest: its pool, held to `spec` under the virtio spec profile, else to `linux`. */
export const hintConfigFor = (virtioProfile: string): HintConfig => hintConfig({ pages: HINT_POOL_PAGES, profile: virtioProfile === 'spec' ? 'spec' : 'linux' });

/** Why `c` cannot be built, one message per problem (empty when it is fine). */
export function hintConfigProblems(c: HintConfig): string[] {
  const p: string[] = [];
  if (!Number.isInteger(c.pages) || c.pages < 1 || c.pages > 4096) p.push('pages: must be a whole number from 1 to 4096');
  if (!Object.hasOwn(HINT_PROFILES, c.profile)) p.push(`profile: unknown profile ${JSON.stringify(c.profile)} (known: ${Object.keys(HINT_PROFILES).join(', ')})`);
  return p;
}

export type HintCommand =
  /** The host asks for a round: the device writes a fresh command id (QEMU virtio_balloon_free_page_start). */
  | { kind: 'hint-request' }
  /** The host wants no more hints: the device writes STOP (QEMU virtio_balloon_free_page_stop). */
  | { kind: 'hint-stop' }
  /** The host no longer needs the hinted pages (migration over): the device writes DONE (QEMU virtio_balloon_free_page_done). */
  | { kind: 'hint-done' }
  /**
   * The driver's hinting worker takes one step (Linux virtio_balloon_report_free_page): open a
   * round, hint up to `pages` free pages from the one `pick` names, close a round with STOP, or
   * give the hinted pages back after DONE.
   */
  | { kind: 'hint-driver'; pages: number; pick: number }
  /** The device serves the oldest buffer on free_page_vq (QEMU get_free_page_hints). */
  | { kind: 'hint-device' }
  /** The guest's shrinker takes up to `pages` hinted pages back before DONE (Linux shrink_free_pages; statement 43). */
  | { kind: 'hint-release'; pages: number; pick: number }
  /** Guest program: allocate the free page `pick` names (the allocator checks its fill). */
  | { kind: 'alloc'; pick: number }
  /** Guest program: free the used page `pick` names (the free path fills it). */
  | { kind: 'free'; pick: number }
  /** Guest program: write a fresh value to the used page `pick` names. */
  | { kind: 'write'; pick: number }
  /** Guest program: read the used page `pick` names. */
  | { kind: 'read'; pick: number };

export type HintCommandKind = HintCommand['kind'];
export const hintCommandKinds: readonly HintCommandKind[] = [
  'hint-request', 'hint-stop', 'hint-done', 'hint-driver', 'hint-device', 'hint-release', 'alloc', 'free', 'write', 'read',
];

/** One line of the runnable form of a command. */
export function formatHintCommand(c: HintCommand): string {
  switch (c.kind) {
    case 'hint-driver': case 'hint-release': return `${c.kind} ${c.pages} pick=${c.pick}`;
    case 'alloc': case 'free': case 'write': case 'read': return `${c.kind} pick=${c.pick}`;
    default: return c.kind;
  }
}

/** A buffer on free_page_vq: a command id (output, statement 37) or free pages (input). */
export type HintBuffer =
  | { id: number; kind: 'cmd'; cmdId: number; bytes: number }
  | { id: number; kind: 'pages'; gpfns: readonly number[] };

export type HintEffect =
  /** The device wrote `free_page_hint_cmd_id`. */
  | { kind: 'cmd-id-set'; cmdId: number }
  /** The driver put a buffer on free_page_vq. */
  | { kind: 'hint-queued'; buffer: HintBuffer }
  /** The device served a buffer: for a page buffer, which gpfns it took as hints and which it ignored. */
  | { kind: 'hint-processed'; id: number; taken: readonly number[]; ignored: readonly number[] }
  /** The device changed the content of a page (statement 50: it may, for a hinted page not written since the id). */
  | { kind: 'page-dropped'; gpfn: number }
  /** The driver gave hinted pages back to the allocator (after DONE, or early by the shrinker). */
  | { kind: 'hints-returned'; gpfns: readonly number[] }
  | { kind: 'allocated'; gpfn: number; found: number }
  | { kind: 'freed'; gpfn: number }
  | { kind: 'wrote'; gpfn: number; value: number }
  | { kind: 'read'; gpfn: number; value: number };

export const HINT_ERRORS = {
  'hint/no-round': 'no hinting round is open (the command id is not 2 or more)',
  'hint/already-done': 'the command id is DONE already',
  'hint/queue-empty': 'no buffer waits on free_page_vq',
  'hint/nothing-hinted': 'the driver holds no hinted page',
  'guest/no-page': 'no page of that kind to pick',
} as const;
export type HintErrorCode = keyof typeof HINT_ERRORS;

export type HintStepResult =
  | { outcome: 'accepted'; effects: HintEffect[] }
  | { outcome: 'refused'; code: HintErrorCode; effects: HintEffect[] };

/** Page states as the guest sees them. */
export const HintPage = { Free: 0, Used: 1, Hinted: 2 } as const;
export type HintPage = (typeof HintPage)[keyof typeof HintPage];

export interface HintObservation {
  cmdId: number;
  /** Per gpfn, HintPage. */
  state: readonly number[];
  /** Per gpfn, its content token. */
  content: readonly number[];
  /** Buffers on free_page_vq the device has not served, oldest first. */
  queued: readonly HintBuffer[];
}

/** A hinting system under test: one guest, its driver and its device. */
export interface HintSystem {
  apply(c: HintCommand): HintStepResult;
  observe(): HintObservation;
}
