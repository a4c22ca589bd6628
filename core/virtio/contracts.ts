/**
 * The contract of every virtio-balloon command (core/commands.ts), stated once as data: given the
 * state before the step, when a refusal is legal and with which code, and what an accepted
 * command must have done, read off its effects and the observation after the step. An
 * implementation that does nothing is consistent with itself; these rules tie the verdict to the
 * command that was given. Each entry cites where its rule comes from.
 *
 * What the effects' gpfn lists must say about the observation (every allocated gpfn backed, every
 * refused entry's code) is properties/safety/effects-agree.ts; the statechart (model/virtio)
 * judges the order of protocol events. These rules need only counters and the few buffers in
 * flight, so checking them costs O(1) per step plus the step's own effects.
 *
 * The statechart is not fed the commands: its events are effects reduced to sizes, and what a
 * command requires (a set-target must set, a device step with a buffer waiting must serve it)
 * is decided here on the same counts, once per command kind, with the code of each legal
 * refusal; the chart's own must-act rules (driverMayIdle, queueEmpty, reallyOutOfMemory) stay
 * where the chart can see the absence of effects.
 */
import { touchedRanges } from '../paged.ts';
import type { Command, CommandKind, QueueName } from './commands.ts';
import { hintingOn, poisonOn, reportingOn, type GuestConfig } from './config.ts';
import { hasFreeBlock, reportOrderOf } from './reporting.ts';
import { HINT_ERRORS } from './hinting.ts';
import type { Effect, EffectKind, StepResult } from './effects.ts';
import type { ErrorCode } from './errors.ts';
import type { GuestObservation } from './observation.ts';

/** The command's guest before the step, as plain numbers. */
export interface ContractBefore {
  free: number; used: number; ballooned: number; target: number;
  /** The host's free frames. */
  hostFree: number;
  /** An acknowledged buffer waited for the driver. */
  ackWaiting: boolean;
  /** A batch of the driver's own (driver or OOM origin) was in flight. */
  ownPending: boolean;
  /** Per queue, the oldest buffer the device had not processed, or -1. */
  unprocessed: Record<QueueName, number>;
}

export interface ContractStep {
  command: Command;
  result: StepResult;
  before: ContractBefore;
  /**
   * A config change is pending: a target was set (or the driver reloaded) since the driver last
   * came to rest at the wanted size with nothing in flight. Linux re-queues its balloon work
   * until the balloon is there (update_balloon_size_func); after an OOM deflate it waits for the
   * next change (virtio_balloon_oom_notify does not queue it).
   */
  workPending: boolean;
  /** The command's guest after the step. */
  after: GuestObservation;
  guest: GuestConfig;
}

export interface CommandContract {
  /** Where the rule comes from. */
  source: string;
  /** Codes a refusal may carry, each with when it is legal (for the reader; `check` applies them). */
  refusals: Partial<Record<ErrorCode, string>>;
  /** What an accepted command must do, in one line. */
  accepted: string;
  /** null when the step keeps the contract, else what it broke. */
  check(s: ContractStep): string | null;
}

const count = (effects: readonly Effect[], kind: EffectKind) => effects.reduce((n, e) => n + (e.kind === kind ? 1 : 0), 0);
const has = (effects: readonly Effect[], kind: EffectKind) => effects.some((e) => e.kind === kind);

/**
 * A refused step: its code must be one the command's contract lists (`refusals`), legal in the
 * state before; `illegal(code)`, asked only for a listed code, is null when that code applies now,
 * else what made it illegal, so a legal refusal builds no string. One function per refused step
 * rather than one closure per code: this runs on every refused step of a campaign.
 */
function refusal(s: ContractStep, illegal: (code: ErrorCode) => string | null): string | null {
  if (s.result.outcome !== 'refused') return null;
  const code = s.result.code;
  const listed = VIRTIO_CONTRACTS[s.command.kind].refusals;
  if (!Object.hasOwn(listed, code)) {
    const allowed = Object.keys(listed);
    return `${what(s.command)} was refused with ${code}; ${allowed.length > 0 ? `the only legal refusals are ${allowed.join(', ')}` : 'it is never refused'}`;
  }
  const why = illegal(code);
  return why ? `${what(s.command)} was refused with ${code}, but ${why}` : null;
}

/** For a command its contract never lets be refused (no code listed, so never asked). */
const NEVER_REFUSED = (): string | null => null;

/** A code the contract lists but its check has no test for: a slip of this file, said as such. */
const untested = (code: ErrorCode): string => `core/virtio/contracts.ts lists ${code} for this command but has no test of when it applies`;

const what = (c: Command) => `${c.kind === 'set-target' ? `a target of ${c.pages}` : `${/^[aeiou]/.test(c.kind) ? 'an' : 'a'} ${c.kind} command`} for guest ${c.guest}`;

/** Exactly one effect of `kind`: the command's own effect. */
function own(s: ContractStep, kind: EffectKind, other?: EffectKind): string | null {
  const n = count(s.result.effects, kind);
  if (n !== 1) return `an accepted ${s.command.kind} of guest ${s.command.guest} reported ${n} ${kind} effects, not one`;
  if (other && has(s.result.effects, other)) return `an accepted ${s.command.kind} of guest ${s.command.guest} reported a ${other} effect: a ${s.command.kind} is not a ${other === 'wrote' ? 'write' : other}`;
  return null;
}

/** The balloon size the driver aims for: the target in whole guest pages, kept above the floor. */
export function wantedSize(target: number, g: GuestConfig): number {
  const gpp = g.guestPageGpfns;
  return Math.max(0, Math.min(Math.ceil(target / gpp) * gpp, Math.floor((g.ramPages - g.floorPages) / gpp) * gpp));
}

/** The target a valid request leaves: QEMU clamps num_pages to the guest's RAM (virtio_balloon_to_target). */
export const clampedTarget = (requested: number, g: GuestConfig) => Math.min(requested, g.ramPages);

export const VIRTIO_CONTRACTS: Record<CommandKind, CommandContract> = {
  'set-target': {
    source: 'VIRTIO 1.x 5.5.6 (the device writes num_pages); QEMU hw/virtio/virtio-balloon.c virtio_balloon_to_target clamps to the RAM size; core/commands.ts',
    refusals: { 'device/bad-target': 'the request is negative or not a whole number' },
    accepted: 'target = min(requested, RAM) in a target-set effect and in the next observation',
    check(s) {
      const c = s.command as Extract<Command, { kind: 'set-target' }>;
      const valid = Number.isInteger(c.pages) && c.pages >= 0;
      if (s.result.outcome === 'refused') {
        if (s.after.target !== s.before.target) return `${what(c)} was refused, yet the target moved from ${s.before.target} to ${s.after.target}`;
        return refusal(s, () => (valid ? `${c.pages} is a whole number of pages` : null));
      }
      if (!valid) return `${what(c)} was accepted; a negative or fractional target must be refused (device/bad-target)`;
      const want = clampedTarget(c.pages, s.guest);
      const e = s.result.effects.find((x) => x.kind === 'target-set');
      if (!e) return `${what(c)} was accepted without a target-set effect`;
      if (e.requested !== c.pages || e.target !== want) return `${what(c)} reported target-set ${e.target} (asked ${e.requested}), not ${want} (asked ${c.pages}; clamped to RAM ${s.guest.ramPages})`;
      if (s.after.target !== want) return `${what(c)} was accepted, but the device reads target ${s.after.target}, not ${want}`;
      return null;
    },
  },
  'driver': {
    source: 'VIRTIO 1.x 5.5.6 (the driver works toward num_pages, 5.5.6.1 acknowledgements); Linux drivers/virtio/virtio_balloon.c balloon_ack, update_balloon_size_func; docs/ADAPTERS.md',
    refusals: {},
    accepted: 'consumes the oldest acknowledgement when one waits; else, with a config change pending and no batch of its own in flight, moves the balloon toward the wanted size (or reports out-of-puff)',
    check(s) {
      const r = refusal(s, NEVER_REFUSED);
      if (r) return r;
      const g = s.command.guest;
      if (s.before.ackWaiting && !has(s.result.effects, 'ack-consumed')) return `guest ${g}'s driver took a step with an acknowledged buffer waiting and did not consume it`;
      if (s.before.ackWaiting || s.before.ownPending || !s.workPending) return null;
      const want = wantedSize(s.before.target, s.guest);
      if (s.before.ballooned === want || s.result.effects.length > 0) return null;
      return `guest ${g}'s driver idled with its balloon at ${s.before.ballooned} gpfns, the wanted size ${want} (target ${s.before.target}) and nothing in flight: it must ${want > s.before.ballooned ? 'inflate' : 'deflate'}`;
    },
  },
  'device': {
    source: 'VIRTIO 1.x 2.7 (the device returns buffers on the used ring, in order), 5.5.2 (statsq only with STATS_VQ) and 5.5.6.1; QEMU virtio_balloon_handle_output; docs/ADAPTERS.md',
    refusals: {
      'device/queue-empty': 'no unprocessed buffer on a queue that exists', 'device/no-stats-queue': 'the stats queue was not negotiated',
      'device/no-reporting-queue': 'the reporting queue was not negotiated',
    },
    accepted: 'processes and acknowledges the oldest unprocessed buffer of the queue (a buffer-processed effect of that id)',
    check(s) {
      const c = s.command as Extract<Command, { kind: 'device' }>;
      const noStats = c.queue === 'stats' && !s.after.features.statsVq;
      // VIRTIO 1.2 5.5.2: reporting_vq exists only if VIRTIO_BALLOON_F_PAGE_REPORTING is negotiated.
      const noReporting = c.queue === 'reporting' && !reportingOn(s.after.features);
      const oldest = noStats || noReporting ? -1 : s.before.unprocessed[c.queue];
      if (s.result.outcome === 'refused') {
        return refusal(s, (code) => {
          switch (code) {
            // Without STATS_VQ there is no stats queue to be empty (VIRTIO 1.x 5.5.2: statsq exists
            // only if VIRTIO_BALLOON_F_STATS_VQ is negotiated): the true reason is no-stats-queue.
            case 'device/queue-empty': return noStats ? 'STATS_VQ was not negotiated, so there is no stats queue (device/no-stats-queue)'
              : noReporting ? 'PAGE_REPORTING was not negotiated, so there is no reporting queue (device/no-reporting-queue)'
              : oldest >= 0 ? `buffer ${oldest} waited on the ${c.queue} queue` : null;
            case 'device/no-stats-queue': return noStats ? null : c.queue === 'stats' ? 'STATS_VQ was negotiated' : `the ${c.queue} queue is not the stats queue`;
            case 'device/no-reporting-queue': return noReporting ? null : c.queue === 'reporting' ? 'PAGE_REPORTING was negotiated' : `the ${c.queue} queue is not the reporting queue`;
            default: return untested(code);
          }
        });
      }
      if (noStats) return `a device step on guest ${c.guest}'s stats queue was accepted, but STATS_VQ was not negotiated`;
      if (noReporting) return `a device step on guest ${c.guest}'s reporting queue was accepted, but PAGE_REPORTING was not negotiated`;
      if (oldest < 0) return `a device step on guest ${c.guest}'s empty ${c.queue} queue was accepted; it must be refused (device/queue-empty)`;
      const done = s.result.effects.find((e) => e.kind === 'buffer-processed');
      if (!done || done.id !== oldest || done.queue !== c.queue) {
        return `a device step on guest ${c.guest}'s ${c.queue} queue ${done ? `processed buffer ${done.id} of the ${done.queue} queue` : 'processed nothing'}; buffer ${oldest} was the oldest waiting`;
      }
      return null;
    },
  },
  'alloc': {
    source: 'core/commands.ts alloc (all or nothing, zero-filled, which populates the frames: KVM backs a page on first touch); docs/ADAPTERS.md',
    refusals: { 'guest/oom': 'fewer free gpfns than the allocation needs', 'host/out-of-frames': 'the host has fewer free frames than the allocation could need' },
    accepted: 'a pages-allocated effect of exactly pages × guest-page gpfns, and the used count grows by as many',
    check(s) {
      const c = s.command as Extract<Command, { kind: 'alloc' }>;
      const valid = Number.isInteger(c.pages) && c.pages >= 1;
      const need = valid ? c.pages * s.guest.guestPageGpfns : 0;
      if (s.result.outcome === 'refused') {
        return refusal(s, (code) => (code === 'guest/oom' ? (!valid || need > s.before.free ? null : `${s.before.free} gpfns were free for ${need}`)
          : code === 'host/out-of-frames' ? (valid && s.before.hostFree < need ? null : `the host had ${s.before.hostFree} free frames for at most ${need} gpfns to back`)
          : untested(code)));
      }
      if (!valid || need > s.before.free) return `${what(c)} was accepted with ${s.before.free} gpfns free for ${need}`;
      const v = own(s, 'pages-allocated');
      if (v) return v;
      const e = s.result.effects.find((x) => x.kind === 'pages-allocated')!;
      if (e.kind === 'pages-allocated' && e.gpfns.length !== need) return `an allocation of ${c.pages} guest pages for guest ${c.guest} reported ${e.gpfns.length} gpfns, not ${need}`;
      if (s.after.counts.used !== s.before.used + need) return `an allocation of ${need} gpfns for guest ${c.guest} moved its used count from ${s.before.used} to ${s.after.counts.used}`;
      return null;
    },
  },
  'free': {
    source: 'core/commands.ts free (the guest frees min(pages, used) of its used pages); docs/ADAPTERS.md',
    refusals: { 'guest/no-used-pages': 'the guest uses no page' },
    accepted: 'a pages-freed effect of min(pages, used pages) guest pages, and the used count falls by as many',
    check(s) {
      const c = s.command as Extract<Command, { kind: 'free' }>;
      const gpp = s.guest.guestPageGpfns;
      const n = Math.min(c.pages, s.before.used / gpp) * gpp;
      if (s.result.outcome === 'refused') return refusal(s, () => (n > 0 ? `guest ${c.guest} used ${s.before.used} gpfns` : null));
      if (!(n > 0)) return `${what(c)} was accepted with nothing to free`;
      const v = own(s, 'pages-freed');
      if (v) return v;
      const e = s.result.effects.find((x) => x.kind === 'pages-freed')!;
      if (e.kind === 'pages-freed' && e.gpfns.length !== n) return `freeing ${c.pages} guest pages of guest ${c.guest} (${s.before.used} gpfns used) reported ${e.gpfns.length} gpfns, not ${n}`;
      if (s.after.counts.used !== s.before.used - n) return `freeing ${n} gpfns of guest ${c.guest} moved its used count from ${s.before.used} to ${s.after.counts.used}`;
      return null;
    },
  },
  'report': {
    source: 'VIRTIO 1.2 5.5.6.7 (free page reporting: the driver reports free pages on reporting_vq); 5.5.2 (the queue exists only with PAGE_REPORTING); Linux mm/page_reporting.c page_reporting_cycle, in blocks of page_reporting_order (core/virtio/reporting.ts); core/virtio/commands.ts report',
    refusals: {
      'device/no-reporting-queue': 'PAGE_REPORTING was not negotiated',
      'guest/nothing-to-report': 'no guest page is free (with a report order, no aligned block of 2^reportOrder guest pages is free whole)',
      'host/out-of-frames': 'with PAGE_POISON, the host has fewer free frames than poisoning the pages could need (the fill populates them)',
    },
    accepted: 'one buffer-queued effect on the reporting queue of min(pages, free pages) whole free guest pages (with a report order, at most ceil(pages / 2^reportOrder) blocks of 2^reportOrder guest pages: whole blocks are report-blocks\' to judge), which leave the free count until the acknowledgement',
    check(s) {
      const c = s.command as Extract<Command, { kind: 'report' }>;
      const gpp = s.guest.guestPageGpfns;
      // The features as negotiated at the last reload (negotiation.ts); a report step changes none.
      const on = reportingOn(s.after.features);
      // With a report order the driver takes whole blocks: `want` is then the most it may report.
      const block = 2 ** reportOrderOf(s.guest);
      const asked = Number.isInteger(c.pages) && c.pages >= 1 ? Math.ceil(c.pages / block) * block : 0;
      const want = Math.min(asked, Math.floor(s.before.free / gpp)) * gpp;
      if (s.result.outcome === 'refused') {
        return refusal(s, (code) => {
          switch (code) {
            case 'device/no-reporting-queue': return on ? 'PAGE_REPORTING was negotiated' : null;
            // A refusal changes nothing, so the observation after it shows the free pages before.
            case 'guest/nothing-to-report': return !on ? 'PAGE_REPORTING was not negotiated (device/no-reporting-queue)'
              : want === 0 || (block > 1 && !hasFreeBlock(s.guest, reportOrderOf(s.guest), s.after.pageState)) ? null
              : block > 1 ? `an aligned block of ${block} guest pages was free whole` : `${s.before.free} gpfns were free`;
            case 'host/out-of-frames': return on && want > 0 && poisonOn(s.after.features) && s.before.hostFree < want ? null
              : `${poisonOn(s.after.features) ? `the host had ${s.before.hostFree} free frames for at most ${want} gpfns to poison` : 'PAGE_POISON was not negotiated, so a report touches no page'}`;
            default: return untested(code);
          }
        });
      }
      if (!on) return `${what(c)} was accepted, but PAGE_REPORTING was not negotiated`;
      if (want === 0) return `${what(c)} was accepted with nothing free to report`;
      const queued = s.result.effects.filter((e) => e.kind === 'buffer-queued');
      const q = queued[0];
      if (queued.length !== 1 || q?.kind !== 'buffer-queued' || q.queue !== 'reporting' || q.origin !== 'driver') return `${what(c)} was accepted without exactly one buffer of its own on the reporting queue`;
      const n = q.gpfns.length;
      // With a report order, the blocks' shape is report-blocks' to judge (a linux narrowing, statement 62); here only how much.
      if (block === 1 ? n !== want : n === 0 || n > want || n % gpp !== 0) {
        return `${what(c)} reported ${n} gpfns, not ${block === 1 ? want : `whole guest pages, at most ${want} gpfns`} (${c.pages} guest pages asked, ${s.before.free} gpfns free)`;
      }
      if (s.after.counts.free !== s.before.free - n) return `${what(c)} reported ${n} gpfns, but the free count moved from ${s.before.free} to ${s.after.counts.free}`;
      // Fewer pages than asked is whole blocks' rounding, or all there was: Linux reports every free
      // block of its order it finds (mm/page_reporting.c page_reporting_cycle, up to its capacity),
      // so a block left free whole while the command asked for more was skipped. A driver that
      // reports any whole page reports min(pages, free) and leaves no free page behind then.
      if (block > 1 && n / gpp < c.pages && hasFreeBlock(s.guest, reportOrderOf(s.guest), s.after.pageState)) {
        return `${what(c)} reported ${n / gpp} guest pages of the ${c.pages} asked, but an aligned block of ${block} guest pages was still free whole`;
      }
      return null;
    },
  },
  'hint': {
    source: 'VIRTIO 1.2 5.5.6.5 (free page hinting on free_page_vq); 5.5.2 (the queue exists only with FREE_PAGE_HINT); core/virtio/hinting.ts (each step\'s own contract: properties/virtio/hinting/contract.ts, run as hint-contract)',
    refusals: {
      'device/no-hinting': 'FREE_PAGE_HINT was not negotiated',
      ...Object.fromEntries(Object.keys(HINT_ERRORS).map((k) => [k, `the hinting step's own refusal: ${HINT_ERRORS[k as keyof typeof HINT_ERRORS]} (judged by hint-contract)`])),
    },
    accepted: 'one hinting effect, on a guest that negotiated FREE_PAGE_HINT (what it holds is hint-contract\'s to judge)',
    check(s) {
      const on = hintingOn(s.guest.features);
      if (s.result.outcome === 'refused') {
        // The hinting step's own codes (HINT_ERRORS) are legal here whenever hinting is on.
        return refusal(s, (code) => (code === 'device/no-hinting'
          ? (on ? 'FREE_PAGE_HINT was negotiated' : null)
          : (on ? null : 'FREE_PAGE_HINT was not negotiated (device/no-hinting)')));
      }
      if (!on) return `${what(s.command)} was accepted, but FREE_PAGE_HINT was not negotiated`;
      return own(s, 'hinting');
    },
  },
  'write': touchContract('write'),
  'read': touchContract('read'),
  'reset': {
    source: 'QEMU virtio_balloon_device_reset (the device forgets the balloon, num_pages stays); VIRTIO 1.2 3.1.1 (the initialization sequence); Linux virtballoon_remove then probe (every balloon page back to the guest); Firecracker (actual 0); core/commands.ts',
    refusals: {},
    accepted: 'a reset effect, then FEATURES_OK and DRIVER_OK (the reload); actual 0, the target unchanged, no page in or on its way to the balloon, no inflate or deflate buffer in flight',
    check(s) {
      const r = refusal(s, NEVER_REFUSED);
      if (r) return r;
      const g = s.command.guest;
      const a = s.after;
      if (!has(s.result.effects, 'reset')) return `a reset of guest ${g} reported no reset effect`;
      // The reloaded driver brings the device up again (VIRTIO 1.2 3.1.1): the order of what it
      // does before DRIVER_OK is the chart's to judge (model/virtio/lifecycle.ts).
      // A FEATURES_OK the device refused (core/virtio/negotiation.ts) is followed by a new attempt.
      const fx = s.result.effects;
      let from = 0;
      for (let i = 0; i < fx.length; i++) if (fx[i].kind === 'features-refused') from = i + 1;
      const bits = fx.slice(from).flatMap((e) => (e.kind === 'device-status' ? [e.status] : []));
      if (bits.join(' ') !== 'features-ok driver-ok') return `a reset of guest ${g} set ${bits.length === 0 ? 'no device status' : bits.join(', then ')}${from > 0 ? ' after the device refused FEATURES_OK' : ''}; the reloaded driver sets FEATURES_OK, then DRIVER_OK, once each`;
      if (a.actual !== 0) return `guest ${g} was reset, but actual reads ${a.actual}, not 0`;
      if (a.target !== s.before.target) return `guest ${g} was reset and its target moved from ${s.before.target} to ${a.target}; the device keeps num_pages`;
      const left = a.counts.inflating + a.counts.ballooned + a.counts.deflating;
      if (left !== 0) return `guest ${g} was reset, but ${left} gpfns are still in or on their way to the balloon`;
      const b = a.inflight.find((x) => x.queue !== 'stats');
      if (b) return `guest ${g} was reset, but ${b.queue} buffer ${b.id} is still in flight`;
      for (const [lo, hi] of touchedRanges(a.hostBallooned)) for (let n = lo; n < hi; n++) if (a.hostBallooned[n]) return `guest ${g} was reset, but the device still holds gpfn ${n} in the balloon`;
      return null;
    },
  },
  'hostile': {
    source: 'docs/INVARIANTS.md invariant 7; core/commands.ts HOSTILE_REQUESTS (posted, served and consumed at once); Firecracker balloon sanity checks',
    refusals: { 'device/no-buffer': 'the command came without its buffer (the runner always fills it in)' },
    accepted: 'a hostile buffer queued, processed (its entries refused) and its acknowledgement consumed, all in the step',
    check(s) {
      const c = s.command as Extract<Command, { kind: 'hostile' }>;
      const r = refusal(s, () => (c.gpfns && c.queue ? 'the command carried its buffer' : null));
      if (r) return r;
      const g = s.command.guest;
      const q = s.result.effects.find((e) => e.kind === 'buffer-queued' && e.origin === 'hostile');
      if (!q || q.kind !== 'buffer-queued') return `a hostile request on guest ${g} queued no hostile buffer`;
      if (!s.result.effects.some((e) => e.kind === 'buffer-processed' && e.id === q.id)) return `hostile buffer ${q.id} of guest ${g} was queued but the device never processed it`;
      if (!s.result.effects.some((e) => e.kind === 'ack-consumed' && e.id === q.id)) return `hostile buffer ${q.id} of guest ${g} was processed but its acknowledgement never dropped`;
      return null;
    },
  },
};

/** `write` and `read`: touch one used gpfn, backing it if it has no frame. */
function touchContract(kind: 'write' | 'read'): CommandContract {
  const effect: EffectKind = kind === 'write' ? 'wrote' : 'read';
  const other: EffectKind = kind === 'write' ? 'read' : 'wrote';
  return {
    source: `core/commands.ts ${kind} (one used gpfn, chosen by pick; a touch populates an unbacked page, as KVM does); docs/ADAPTERS.md`,
    refusals: { 'guest/no-used-pages': 'the guest uses no page', 'host/out-of-frames': 'the host has no free frame' },
    accepted: `exactly one ${effect} effect and no ${other}`,
    check(s) {
      if (s.result.outcome === 'refused') {
        return refusal(s, (code) => (code === 'guest/no-used-pages' ? (s.before.used === 0 ? null : `guest ${s.command.guest} used ${s.before.used} gpfns`)
          : code === 'host/out-of-frames' ? (s.before.hostFree === 0 ? null : `the host had ${s.before.hostFree} free frames`)
          : untested(code)));
      }
      if (s.before.used === 0) return `${what(s.command)} was accepted, but the guest used no page`;
      return own(s, effect, other);
    },
  };
}
