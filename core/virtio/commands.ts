/**
 * The workload: every choice that makes a run go one way or another is a command, so a list of
 * commands is the whole truth of a run. Which side acts next (driver or device), which queue the
 * device serves, when the guest allocates, which free page the allocator hands out (`pick`): all
 * of it is here, none of it is decided by a clock or a random number inside the system.
 */
import type { GuestId } from '../ids.ts';
import { formatGuestProgram, type WorldCommand } from '../world.ts';
import type { FeatureName } from './negotiation.ts';
import { formatHintCommand, type HintCommand } from './hinting.ts';

/** The virtqueues (VIRTIO 1.2 5.5.2): reporting exists only with PAGE_REPORTING, stats only with STATS_VQ. */
export type QueueName = 'inflate' | 'deflate' | 'stats' | 'reporting';

/**
 * Malformed requests a hostile or buggy driver puts on a queue (docs/INVARIANTS.md invariant 7). The
 * device must refuse every gpfn in them and change nothing.
 */
export const HOSTILE_REQUESTS = {
  'out-of-range': 'inflate gpfns past the end of guest memory, up to 2^32-1',
  'not-ram': 'inflate gpfns inside the guest\'s MMIO hole',
  'foreign': 'inflate gpfns that exist only in another guest\'s memory',
  'duplicate': 'inflate gpfns that the host already holds in the balloon, each named twice',
  'unacked': 'deflate gpfns whose inflate the device has not processed yet',
  'never-inflated': 'deflate gpfns that were never inflated',
  'oversized': 'inflate a buffer of more gpfns than the batch limit',
} as const;
export type HostileKind = keyof typeof HOSTILE_REQUESTS;
export const hostileKinds = Object.keys(HOSTILE_REQUESTS) as HostileKind[];

export type Command =
  /** The host moves the target (virtio config `num_pages`, in 4 KiB pages) and the guest program: core/world.ts. */
  | WorldCommand
  /** The balloon driver takes one step: consume an acknowledgement, or send the next batch. */
  | { kind: 'driver'; guest: GuestId }
  /** The device serves the oldest buffer on one queue and acknowledges it. */
  | { kind: 'device'; guest: GuestId; queue: QueueName }
  /**
   * Free page reporting (VIRTIO 1.2 5.5.6.7, Linux page_reporting_cycle): the driver takes up to
   * `pages` free guest pages, from the one `pick` names on, off its free list, poisons them when
   * PAGE_POISON was negotiated (statement 59) and reports them on the reporting queue; they go
   * back to the free list when the driver consumes the device's acknowledgement. With a report
   * order k (GuestConfig.reportOrder) it takes whole aligned blocks of 2^k guest pages instead,
   * ceil(pages / 2^k) of them or as many as are free whole (core/virtio/reporting.ts; statement 62).
   */
  | { kind: 'report'; guest: GuestId; pages: number; pick: number }
  /**
   * Free page hinting (VIRTIO 1.2 5.5.6.5, FREE_PAGE_HINT): one step of the guest's hinting
   * driver, its device or the guest program on the hinting pool, in the words of
   * core/virtio/hinting.ts (`op`). Refused with device/no-hinting unless the guest negotiated it.
   */
  | { kind: 'hint'; guest: GuestId; op: HintCommand }
  /**
   * Device reset and driver reload: the balloon empties, the target stays. The reload negotiates
   * features again (core/virtio/negotiation.ts): the device offers the configuration's features
   * without those `withhold` names, and with `refuse` it refuses the driver's first FEATURES_OK
   * (VIRTIO 1.2 3.1.1 step 6; 5.5.3.2, statement 4). Both absent: today's offer, accepted.
   */
  | { kind: 'reset'; guest: GuestId; withhold?: readonly FeatureName[]; refuse?: boolean }
  /**
   * A malformed buffer put on a queue as if by the driver, served by the device at once and its
   * acknowledgement dropped: the device must refuse every entry, judged at that moment. The
   * buffer itself (`queue`, `gpfns`) is test input: the runner builds it from the observation at
   * that moment (properties/hostile.ts) and hands it in, so every implementation gets the same
   * one; an implementation puts exactly these gpfns on that queue. Traces store the command
   * without them (request and pick are the truth).
   */
  | { kind: 'hostile'; guest: GuestId; request: HostileKind; pick: number; queue?: QueueName; gpfns?: readonly number[] };

export type CommandKind = Command['kind'];
export const commandKinds: readonly CommandKind[] = [
  'set-target', 'driver', 'device', 'alloc', 'free', 'write', 'read', 'reset', 'hostile', 'report', 'hint',
];

/** One line of the runnable form of a command, as printed in counterexamples. */
export function formatCommand(c: Command): string {
  switch (c.kind) {
    case 'set-target': return `set-target g${c.guest} ${c.pages}`;
    case 'driver': return `driver g${c.guest}`;
    case 'device': return `device g${c.guest} ${c.queue}`;
    case 'alloc': case 'free': case 'write': case 'read': return formatGuestProgram(c);
    case 'reset': return `reset g${c.guest}${c.withhold?.length ? ` withhold=${c.withhold.join(',')}` : ''}${c.refuse ? ' refuse' : ''}`;
    case 'report': return `report g${c.guest} ${c.pages} pick=${c.pick}`;
    case 'hostile': return `hostile g${c.guest} ${c.request} pick=${c.pick}`;
    case 'hint': return `hint g${c.guest} ${formatHintCommand(c.op)}`;
  }
}
