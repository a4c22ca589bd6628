/**
 * The rules of virtio-balloon as named data (stateright style): every guard of the charts is
 * "all rules of its list hold", so when the model refuses an event the first broken rule says why,
 * in the protocol's words. Sections are VIRTIO 1.2's (the text of 5.5 is the same in 1.3): 5.5.6.1
 * holds the driver's requirements, 5.5.6.2 the device's, 5.5.6.3.1 the stats queue's. `stmt` numbers
 * the normative statements a rule encodes, as docs/virtio-spec.md lists them; a rule without one is
 * the harness's command contract, the testbed's own invariant (docs/INVARIANTS.md "inv N") or
 * bookkeeping. A rule with `only` holds under those profiles alone (core/virtio/config.ts
 * `VirtioProfile`): it is a narrowing of what the spec allows, and its text names whose.
 */
import {
  ackWaiting, batchGpfns, bufferById, earlyReusable, nextForDevice, OOM_DEFLATE_GPFNS, ownPending, projected, wanted, wantedSize,
  type GuestModelContext as C,
} from './context.ts';
import type { GuestEvent } from './events.ts';
import { LIFECYCLE_RULES } from './lifecycle.ts';
import { reportingOn, type VirtioProfile } from '../../core/virtio/index.ts';

export interface Rule {
  /** What must hold, as a sentence a reader of the spec recognises. */
  says: string;
  /** The normative statements of VIRTIO 5.5 it encodes, by their number in docs/virtio-spec.md. */
  stmt?: readonly number[];
  /** The profiles it holds under; absent: every profile. A rule with `only` is a narrowing. */
  only?: readonly VirtioProfile[];
  holds(c: C, e: GuestEvent): boolean;
}

/** The narrowings of the real systems the reference follows (Linux over QEMU, Linux over Firecracker). */
const REAL: readonly VirtioProfile[] = ['linux', 'firecracker'];
const SPEC: readonly VirtioProfile[] = ['spec'];

/** Whether `r` applies to the profile `c` is held to. */
export const applies = (r: Rule, c: C): boolean => !r.only || r.only.includes(c.cfg.profile);

type Ev<T extends GuestEvent['type']> = Extract<GuestEvent, { type: T }>;
const q = (e: GuestEvent) => e as Ev<'BUFFER_QUEUED'>;
const size = (e: GuestEvent) => (e as { size: number }).size;
const wholePages = (c: C, n: number) => n > 0 && n % c.cfg.gpp === 0;
const acked = (c: C, e: GuestEvent, queue: string, origin: string) => {
  const a = e as Ev<'ACK_CONSUMED'>;
  const b = bufferById(c, a.id);
  return !!b && b.acked && b.queue === queue && a.queue === queue && b.origin === origin;
};

/*
 * What the spec leaves to the driver, the rules leave too (5.5.6.1 sets no minimum batch, no
 * limit on buffers in flight, and lets the driver batch its `actual` updates): the Linux driver's
 * narrower choices (one batch in flight, actual written after every ack, reuse only after the ack)
 * are the reference implementation's, not rules. The inflate and deflate limits are judged on the
 * balloon as it will be once everything in flight is through (`projected`).
 */
const driverTurn: Rule[] = [
  { says: 'the driver moves the balloon only after a config change (linux, firecracker: update_balloon_size_func runs on the config-change interrupt; 5.5.6 also lets a driver move it for compaction or memory needs, statement 10)', only: REAL, holds: (c) => c.wantsWork },
  { says: 'after a reset the reloaded driver writes actual (0) before it moves the balloon (linux: remove_common writes actual 0 at unload, modelled after the reset; the spec asks no write at reset, and Firecracker\'s device zeroes actual itself)', only: ['linux'], holds: (c) => !c.reloading },
];
const batch = (kind: string): Rule[] => [
  { says: `an ${kind} batch names whole guest pages (the testbed's guest memory moves whole guest pages; the 2023 arm64 alignment fix)`, holds: (c, e) => wholePages(c, size(e)) },
  { says: `an ${kind} batch holds at most maxBatch gpfns (linux: VIRTIO_BALLOON_ARRAY_PFNS_MAX; Firecracker's device rejects more; the spec sets no maximum; inv 5)`, only: REAL, holds: (c, e) => size(e) <= batchGpfns(c) },
];
/** The largest balloon the guest can spare, in gpfns (inv 10: the floor, XSA-300). */
const room = (c: C) => wantedSize(c.cfg.ramPages, c.cfg.ramPages, c.cfg.floorPages, c.cfg.gpp);
/** The balloon as `actual` should describe it: acknowledged pages, deflated ones until their ack is consumed. */
const ackedBalloon = (c: C) => c.ballooned + c.deflating;
const actualOf = (e: GuestEvent) => (e as Ev<'ACTUAL_WRITTEN'>).actual;

const actualValue: Rule[] = [
  { says: 'deflated pages are back with the allocator before actual is written (the observation has no state for acknowledged, unreturned pages)', holds: (c) => c.reusable === 0 },
  { says: 'actual equals the acknowledged balloon (ballooned + deflating gpfns) when written, after one or several acks (5.5.6.1, inv 6)', stmt: [18, 19], only: REAL, holds: (c, e) => actualOf(e) === ackedBalloon(c) },
  { says: 'actual, when written, lies between the acknowledged balloon and the balloon once every buffer in flight is through (5.5.6.1 asks an update after a change, statement 18, and forbids no earlier write)', stmt: [18, 19], only: SPEC, holds: (c, e) => actualOf(e) >= c.ballooned && actualOf(e) <= c.ballooned + c.deflating + c.inflating },
];

export const RULES = {
  inflateAllowed: [
    { says: 'a driver inflate goes on inflateq', holds: (_c, e) => q(e).queue === 'inflate' && q(e).origin === 'driver' },
    ...driverTurn, ...batch('inflate'),
    { says: 'the driver inflates only while the balloon is below the wanted size, alignUp(target) capped at the floor, counting its batches in flight (linux: fill_balloon stops at the target; XSA-300)', stmt: [10], only: REAL, holds: (c, e) => projected(c) + size(e) <= wanted(c) },
    { says: 'the driver inflates only while num_pages is at least the balloon, counting its batches in flight (5.5.6.1: it MAY supply pages when num_pages >= actual, so one batch may pass the target, as compaction does)', stmt: [10], only: SPEC, holds: (c) => projected(c) <= wanted(c) },
    { says: 'the balloon never grows past what the guest can spare (inv 10: the floor, XSA-300)', only: SPEC, holds: (c, e) => projected(c) + size(e) <= room(c) },
    { says: 'the driver inflates only free guest pages (inv 5)', holds: (c, e) => size(e) <= c.free },
  ],
  deflateAllowed: [
    { says: 'a driver deflate goes on deflateq', holds: (_c, e) => q(e).queue === 'deflate' && q(e).origin === 'driver' },
    ...driverTurn, ...batch('deflate'),
    { says: 'the driver deflates only acknowledged balloon pages (5.5.6.1: never a page whose inflate is unacknowledged)', stmt: [17], holds: (c, e) => size(e) <= c.ballooned },
    // The text is kept as stored traces (traces/zoo/unaligned-target.json) quote it. Statement 11
    // is read as spec issue 228 intends it: without DEFLATE_ON_OOM never on its own.
    // Linux and Firecracker: the wanted size rounds the target up to whole guest pages (the 2023
    // arm64 fix), so a 64 KiB guest never deflates below a target that is not page aligned.
    { says: 'the driver deflates only while the balloon is above the wanted size, counting its batches in flight (5.5.6: without DEFLATE_ON_OOM only when the host lowers the target)', stmt: [9, 11], only: REAL, holds: (c, e) => projected(c) - size(e) >= wanted(c) },
    { says: 'the driver deflates only while num_pages is below the balloon: it keeps at least num_pages rounded down to whole guest pages, counting its batches in flight (5.5.6.1: it MAY take pages back while num_pages < actual; without DEFLATE_ON_OOM only then, as spec issue 228 intends; review B5)', stmt: [9, 11], only: SPEC, holds: (c, e) =>
      projected(c) - size(e) >= Math.min(Math.floor(c.target / c.cfg.gpp) * c.cfg.gpp, room(c)) },
  ],
  oomDeflateAllowed: [
    { says: 'an OOM deflate goes on deflateq', holds: (_c, e) => q(e).queue === 'deflate' && q(e).origin === 'oom' },
    { says: 'the driver deflates on its own only with DEFLATE_ON_OOM (5.5.6.1, statements 11 and 12, 11 as spec issue 228 intends it; inv 8)', stmt: [11, 12], holds: (c) => c.cfg.features.deflateOnOom },
    { says: 'one OOM notification deflates once, with no deflate in flight (linux: virtio_balloon_oom_notify leaks once per notification under balloon_lock; the spec bounds neither)', only: REAL, holds: (c) => !ownPending(c, 'deflate') },
    ...batch('OOM deflate'),
    { says: `an OOM deflate gives back at most ${OOM_DEFLATE_GPFNS} gpfns (linux: VIRTIO_BALLOON_OOM_NR_PAGES; 5.5.6.1 lets a driver take what stability needs, statement 12)`, only: REAL, holds: (_c, e) => size(e) <= OOM_DEFLATE_GPFNS },
    { says: 'an OOM deflate gives back only acknowledged balloon pages (5.5.6.1: never a page whose inflate is unacknowledged)', stmt: [17], holds: (c, e) => size(e) <= c.ballooned },
  ],
  /** An OOM deflate with no failed allocation before it, or beside one in flight (oom.armed, oom.deflating). */
  oomDeflateUnprompted: [
    { says: 'an OOM deflate without a failed allocation just before it, or beside another, is the spec\'s freedom only (5.5.6.1 statement 12 names no trigger; linux deflates on its own only from virtio_balloon_oom_notify)', stmt: [12], holds: (c) => c.cfg.profile === 'spec' },
  ],
  statsPostAllowed: [
    { says: 'a stats buffer goes on statsq from the driver, with no gpfns', holds: (_c, e) => q(e).queue === 'stats' && q(e).origin === 'driver' && q(e).size === 0 },
    { says: 'statsq exists only with STATS_VQ (5.5.2)', holds: (c) => c.cfg.features.statsVq },
    { says: 'at most one stats buffer is outstanding (5.5.6.3.1)', stmt: [25], holds: (c) => !c.inflight.some((b) => b.queue === 'stats') },
  ],
  /*
   * Free page reporting (VIRTIO 1.2 5.5.6.7). What the device may do to a reported page's content
   * (statements 64, 65) is judged on frames by host-drops-only-ballooned and reported-pages-kept;
   * the chart keeps the counts: reported pages leave `free` until their acknowledgement.
   */
  reportAllowed: [
    { says: 'a free page report goes on the reporting queue from the driver', holds: (_c, e) => q(e).queue === 'reporting' && q(e).origin === 'driver' },
    { says: 'reporting_vq exists only with PAGE_REPORTING (5.5.2)', holds: (c) => reportingOn(c.cfg.features) },
    { says: 'a report names whole free guest pages (5.5.6.7.1: the driver reports free pages; it MAY do so at any time after DRIVER_OK, statement 61)', stmt: [61], holds: (c, e) => wholePages(c, size(e)) && size(e) <= c.free },
  ],
  ackOfReport: [{ says: 'the driver takes reported pages back only by consuming the acknowledgement of their report (5.5.6.7.1: it must not use them before the device acknowledged it)', stmt: [60], holds: (c, e) => acked(c, e, 'reporting', 'driver') }],
  reportingNegotiated: [{ says: 'PAGE_REPORTING negotiated (5.5.3; reporting_vq exists only then, 5.5.2)', holds: (c) => reportingOn(c.cfg.features) }],
  hostileQueued: [
    { says: 'a hostile buffer (as if from a broken driver)', holds: (_c, e) => q(e).origin === 'hostile' },
  ],
  processAllowed: [
    { says: 'the device serves the oldest unprocessed buffer of the queue (linux, firecracker: QEMU and Firecracker pop the available ring in order; VIRTIO 2.6 asks order only with VIRTIO_F_IN_ORDER); a hostile buffer is served as it is posted', only: REAL, holds: (c, e) => {
      const p = e as Ev<'BUFFER_PROCESSED'>;
      const b = bufferById(c, p.id);
      return !!b && !b.acked && b.queue === p.queue && (b.origin === 'hostile' || nextForDevice(c, p.queue)?.id === p.id);
    } },
    { says: 'the device serves an unprocessed buffer of the queue, in any order (VIRTIO 2.6: without VIRTIO_F_IN_ORDER a device need not use buffers in the order they were made available)', only: SPEC, holds: (c, e) => {
      const p = e as Ev<'BUFFER_PROCESSED'>;
      const b = bufferById(c, p.id);
      return !!b && !b.acked && b.queue === p.queue;
    } },
    { says: 'the device accepts every gpfn of a well-formed driver buffer (inv 6: host and guest agree)', holds: (c, e) => {
      const p = e as Ev<'BUFFER_PROCESSED'>;
      const b = bufferById(c, p.id);
      return !b || b.origin === 'hostile' || (p.accepted === b.size && p.refused === 0);
    } },
    { says: 'the device refuses every gpfn of a malformed buffer and changes nothing (inv 7: the reference device refuses a buffer whole, as Firecracker does; the spec leaves validation open)', only: REAL, holds: (c, e) => {
      const p = e as Ev<'BUFFER_PROCESSED'>;
      const b = bufferById(c, p.id);
      return !b || b.origin !== 'hostile' || (p.accepted === 0 && p.refused === b.size);
    } },
    { says: 'the device accounts for every gpfn of a malformed buffer, accepted or refused (the spec leaves validation open: QEMU skips a bad gpfn and serves the rest, virtio_balloon_handle_output)', only: SPEC, holds: (c, e) => {
      const p = e as Ev<'BUFFER_PROCESSED'>;
      const b = bufferById(c, p.id);
      return !b || b.origin !== 'hostile' || p.accepted + p.refused === b.size;
    } },
  ],
  ackOfOwnInflate: [{ says: 'the driver consumes an acknowledged inflate of its own', holds: (c, e) => acked(c, e, 'inflate', 'driver') }],
  ackOfOwnDeflate: [{ says: 'the driver consumes an acknowledged deflate of its own', holds: (c, e) => acked(c, e, 'deflate', 'driver') }],
  ackOfOomDeflate: [{ says: 'the driver consumes an acknowledged OOM deflate', holds: (c, e) => acked(c, e, 'deflate', 'oom') }],
  ackOfStats: [{ says: 'the driver consumes the returned stats buffer', holds: (c, e) => acked(c, e, 'stats', 'driver') }],
  ackOfHostile: [{ says: 'an acknowledged hostile buffer is dropped', holds: (c, e) => {
    const b = bufferById(c, (e as Ev<'ACK_CONSUMED'>).id);
    return !!b && b.acked && b.origin === 'hostile';
  } }],
  reuseMatches: [
    { says: 'the driver takes back whole guest pages', holds: (c, e) => wholePages(c, size(e)) },
    { says: 'the driver takes back only deflated pages whose acknowledgement it consumed (5.5.6.1: with MUST_TELL_HOST not before the ack), or, without MUST_TELL_HOST, the pages of a deflate it sent (5.5.6.1: it may reuse them at once)', stmt: [13, 14, 15], holds: (c, e) =>
      size(e) <= c.reusable || earlyReusable(c, size(e)) !== undefined },
  ],
  actualMatchesBalloon: actualValue,
  /** An `actual` write with no acknowledgement consumed since the last one (driver.idle, inflating, deflating). */
  actualEarly: [
    { says: 'actual is written only after an acknowledgement was consumed (linux, firecracker: update_balloon_size follows tell_host; 5.5.6.1 forbids no earlier write)', holds: (c) => c.cfg.profile === 'spec' },
    ...actualValue,
  ],
  actualIsZero: [{ says: 'actual written after a reset equals the acknowledged balloon: 0 until the reloaded driver moves it (linux: remove_common writes 0; Firecracker\'s device zeroes actual; 5.5.6.1)', stmt: [18], holds: (c, e) => actualOf(e) === ackedBalloon(c) }],
  driverMayIdle: [
    // The `driver` command's contract (docs/ADAPTERS.md: consume the oldest ack, else send). The
    // text is kept as the stored traces (traces/zoo, traces/corpus) quote it.
    { says: 'a driver step with an acknowledgement waiting consumes it', holds: (c) => !ackWaiting(c) },
    // Statement 8 is a SHOULD: the Linux driver's worker always does the work, the spec lets a
    // driver be lazy (the liveness properties still hold it to the SHOULD).
    { says: 'a driver step with balloon work possible does it: it idles only with a batch of its own in flight (it may wait for it), no config change pending, or the balloon at the wanted size', stmt: [8], only: REAL, holds: (c) =>
      ownPending(c, 'inflate') || ownPending(c, 'deflate') || !c.wantsWork || c.ballooned === wanted(c) },
    { says: 'a driver step with actual out of date and no batch of its own in flight writes actual (5.5.6.1: actual is updated after the balloon changed; batching the update waits only for batches still to come)', stmt: [18, 19], only: REAL, holds: (c) =>
      !c.actualDue || ownPending(c, 'inflate') || ownPending(c, 'deflate') },
    { says: 'a driver step with actual unlike the acknowledged balloon and no batch of its own in flight writes actual (5.5.6.1: actual is updated after the balloon changed; a compaction swap leaves its size, and actual, alone)', stmt: [18, 19], only: SPEC, holds: (c) =>
      c.actual === ackedBalloon(c) || ownPending(c, 'inflate') || ownPending(c, 'deflate') },
  ],
  queueEmpty: [
    { says: 'a device step finds its queue empty only when no buffer waits on it', holds: (c, e) => nextForDevice(c, (e as Ev<'DEVICE_IDLE'>).queue) === undefined },
  ],
  outOfPuff: [
    ...driverTurn,
    { says: 'the driver runs out of puff only when it should inflate and no free page is left', holds: (c) => projected(c) < wanted(c) && c.free < c.cfg.gpp },
  ],
  targetClamped: [
    { says: 'the device clamps num_pages to the guest\'s memory (QEMU virtio_balloon_to_target; inv 10)', holds: (c, e) => {
      const t = e as Ev<'TARGET_SET'>;
      return Number.isInteger(t.requested) && t.requested >= 0 && t.target === Math.min(t.requested, c.cfg.ramPages);
    } },
  ],
  allocFits: [{ says: 'the allocator hands out whole free guest pages', holds: (c, e) => wholePages(c, size(e)) && size(e) <= c.free }],
  freeFits: [{ says: 'a guest program frees whole used guest pages', holds: (c, e) => wholePages(c, size(e)) && size(e) <= c.used }],
  reallyOutOfMemory: [
    { says: 'an allocation fails as out of memory only when fewer guest pages are free than asked', holds: (c, e) => (e as Ev<'ALLOC_FAILED'>).pages * c.cfg.gpp > c.free },
  ],
  oomDeflateExpected: [
    { says: 'out of memory', holds: (c, e) => (e as Ev<'ALLOC_FAILED'>).pages * c.cfg.gpp > c.free },
    { says: 'DEFLATE_ON_OOM negotiated', holds: (c) => c.cfg.features.deflateOnOom },
    { says: 'no deflate in flight', holds: (c) => !ownPending(c, 'deflate') },
    { says: 'a guest page in the balloon', holds: (c) => c.ballooned >= c.cfg.gpp },
    // Statement 12 is a MAY: the Linux OOM notifier always deflates, the spec only permits it.
    { says: 'the profile demands the deflate (linux, firecracker: virtio_balloon_oom_notify deflates on every notification; under spec it is only permitted)', holds: (c) => c.cfg.profile !== 'spec' },
  ],
  deflateOnOomNegotiated: [{ says: 'DEFLATE_ON_OOM negotiated (5.5.3)', holds: (c) => c.cfg.features.deflateOnOom }],
  statsNegotiated: [{ says: 'STATS_VQ negotiated (5.5.3; the queue exists only then, 5.5.2)', holds: (c) => c.cfg.features.statsVq }],
  ...LIFECYCLE_RULES,
} satisfies Record<string, Rule[]>;

export type RuleSetName = keyof typeof RULES;

/** The first rule of `set` that `e` breaks in `c`, or null. */
export function brokenRule(set: RuleSetName, c: C, e: GuestEvent): Rule | null {
  for (const r of RULES[set] as Rule[]) if (applies(r, c) && !r.holds(c, e)) return r;
  return null;
}

export const allHold = (set: RuleSetName, c: C, e: GuestEvent): boolean => brokenRule(set, c, e) === null;

/** The rule sets that decide whether an event is accepted, for explaining a refusal. */
export function governingRules(e: GuestEvent): RuleSetName[] {
  switch (e.type) {
    case 'TARGET_SET': return ['targetClamped'];
    case 'BUFFER_QUEUED':
      if (e.origin === 'hostile') return ['hostileQueued'];
      if (e.queue === 'stats') return ['statsPostAllowed'];
      if (e.queue === 'reporting') return ['reportAllowed'];
      if (e.origin === 'oom') return ['oomDeflateAllowed'];
      return e.queue === 'inflate' ? ['inflateAllowed'] : ['deflateAllowed'];
    case 'BUFFER_PROCESSED': return ['processAllowed'];
    case 'ACK_CONSUMED': return ['ackOfOwnInflate', 'ackOfOwnDeflate', 'ackOfOomDeflate', 'ackOfStats', 'ackOfReport', 'ackOfHostile'];
    case 'PAGES_REUSED': return ['reuseMatches'];
    case 'ACTUAL_WRITTEN': return ['actualMatchesBalloon'];
    case 'PAGES_ALLOCATED': return ['allocFits'];
    case 'PAGES_FREED': return ['freeFits'];
    case 'ALLOC_FAILED': return ['reallyOutOfMemory'];
    case 'OUT_OF_PUFF': return ['outOfPuff'];
    case 'DRIVER_IDLE': return ['driverMayIdle'];
    case 'DEVICE_IDLE': return ['queueEmpty'];
    case 'FEATURES_OK': return ['featuresOkAllowed'];
    case 'FEATURES_REFUSED': return ['refusalAllowed'];
    case 'POISON_WRITTEN': return ['poisonWriteAllowed'];
    case 'DRIVER_OK': return ['driverOkAllowed'];
    default: return [];
  }
}

/**
 * Why `e` is refused in `c`: the broken rule of its governing set (when every set has one), or
 * null when the rules hold and the refusal comes from the chart's state alone.
 */
export function explainRefusal(c: C, e: GuestEvent): string | null {
  const sets = governingRules(e);
  if (sets.length === 0) return null;
  const broken = sets.map((s) => brokenRule(s, c, e));
  if (broken.some((b) => b === null)) return null;
  return sets.length === 1 ? broken[0]!.says : `no acknowledged buffer #${(e as { id?: number }).id} of that kind waits for the driver`;
}
